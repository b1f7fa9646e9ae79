using RandSac.Plans;
using RandSac.Training;
using SkiaSharp;

namespace RandSac.Pictures;

/// <summary>
/// One row per image: the input; the plan over it (segments by order, or for MAE the hidden
/// tokens darkened); and the prediction, with the tokens the model was given rather than
/// asked for veiled in grey.
/// </summary>
public static class ReconstructionPicture
{
    const int Margin = 10, LineHeight = 18;

    public static SKBitmap Draw(IReadOnlyList<Reconstruction.Image> images, IReadOnlyList<ImagePlan?> plans,
        int channels, int height, int width, int patchSize, int scale, IReadOnlyList<string> caption)
    {
        int panelW = width * scale, panelH = height * scale, cell = patchSize * scale;
        int cols = width / patchSize;
        using var font = new SKFont(SKTypeface.Default, 13);
        string[] lines =
        [
            .. caption,
            "columns: input · plan (rank of each segment; for MAE the hidden tokens darkened) · prediction (tokens given, not predicted, veiled grey)",
        ];
        int captionHeight = lines.Length * LineHeight + Margin;
        int textWidth = (int)lines.Max(line => font.MeasureText(line)) + 2 * Margin;
        var bitmap = new SKBitmap(Math.Max(3 * panelW + 4 * Margin, textWidth), images.Count * (panelH + Margin) + Margin + captionHeight);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        for (int l = 0; l < lines.Length; l++) canvas.DrawText(lines[l], Margin, (l + 1) * LineHeight, font, ink);
        using var veil = new SKPaint { Color = new SKColor(128, 128, 128, 190) };
        using var shade = new SKPaint { Color = new SKColor(0, 0, 0, 150) };

        for (int i = 0; i < images.Count; i++)
        {
            float top = captionHeight + Margin + i * (panelH + Margin);
            using var input = Png.FromPlanar(images[i].Input, channels, height, width, scale);
            using var prediction = Png.FromPlanar(images[i].Prediction, channels, height, width, scale);
            canvas.DrawBitmap(input, Margin, top);
            float planLeft = 2 * Margin + panelW, predictionLeft = 3 * Margin + 2 * panelW;
            canvas.DrawBitmap(input, planLeft, top);
            if (plans[i] is { } plan) PlanPicture.DrawOverlay(canvas, plan, planLeft, top, cell);
            canvas.DrawBitmap(prediction, predictionLeft, top);
            var predicted = images[i].Predicted;
            for (int t = 0; t < predicted.Length; t++)
            {
                float x = t % cols * cell, y = t / cols * cell;
                if (!predicted[t]) canvas.DrawRect(predictionLeft + x, top + y, cell, cell, veil);
                else if (plans[i] is null) canvas.DrawRect(planLeft + x, top + y, cell, cell, shade);
            }
        }
        return bitmap;
    }
}
