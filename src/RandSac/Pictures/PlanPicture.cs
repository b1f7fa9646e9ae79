using RandSac.Plans;
using SkiaSharp;

namespace RandSac.Pictures;

/// <summary>
/// Draws one image's segment plan: the image on the left; on the right the same image
/// with every segment tinted by its place in the order (blue first, red last), segment
/// borders in white, hierarchical partition borders in black, and each segment's rank
/// written on it — so a person sees what is predicted from what.
/// </summary>
public static class PlanPicture
{
    const int Margin = 12, TitleHeight = 28;

    /// <param name="pixels">Planar image bytes (C×H×W), or null for a plain grey background.</param>
    public static SKBitmap Draw(ImagePlan plan, ReadOnlySpan<byte> pixels, int channels, int height, int width,
        int patchSize, string title, int scale)
    {
        using var image = pixels.IsEmpty
            ? Grey(height * scale, width * scale)
            : Png.FromPlanar(pixels, channels, height, width, scale);
        int cell = patchSize * scale;
        int panel = image.Width;
        var bitmap = new SKBitmap(2 * panel + 3 * Margin, image.Height + 2 * Margin + TitleHeight);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var font = new SKFont(SKTypeface.Default, 14);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        canvas.DrawText(title, Margin, Margin + 14, font, ink);

        float top = Margin + TitleHeight;
        canvas.DrawBitmap(image, Margin, top);
        float left = 2 * Margin + panel;
        canvas.DrawBitmap(image, left, top);

        DrawOverlay(canvas, plan, left, top, cell);
        return bitmap;
    }

    /// <summary>Tints, borders and rank numbers of a plan over an image already drawn at (left, top).</summary>
    public static void DrawOverlay(SKCanvas canvas, ImagePlan plan, float left, float top, int cell)
    {
        var grid = plan.Segmentation.Grid;
        int segments = plan.SegmentCount;
        for (int t = 0; t < grid.Count; t++)
        {
            using var tint = new SKPaint { Color = RankColour(plan.RankOfToken[t], segments).WithAlpha(120) };
            canvas.DrawRect(left + t % grid.Cols * cell, top + t / grid.Cols * cell, cell, cell, tint);
        }

        DrawBorders(canvas, grid.Rows, grid.Cols, plan.Segmentation.SegmentOfToken, left, top, cell, SKColors.White, 2);
        for (int level = 0; level < plan.Ordering.PartitionsOfSegment.Count; level++)
        {
            var partition = plan.Ordering.PartitionsOfSegment[level];
            var partitionOfToken = plan.Segmentation.SegmentOfToken.Select(s => partition[s]).ToArray();
            DrawBorders(canvas, grid.Rows, grid.Cols, partitionOfToken, left, top, cell, SKColors.Black, 3 + 2 * level);
        }

        using var label = new SKFont(SKTypeface.Default, Math.Clamp(cell * 0.45f, 9, 20)) { Embolden = true };
        using var labelInk = new SKPaint { Color = SKColors.White, IsAntialias = true };
        using var halo = new SKPaint { Color = SKColors.Black, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 3 };
        var tokens = plan.Segmentation.TokensOfSegments();
        for (int s = 0; s < segments; s++)
        {
            int anchor = CentralToken(tokens[s], grid.Cols);
            string text = plan.Ordering.RankOfSegment[s].ToString();
            float x = left + (anchor % grid.Cols + 0.5f) * cell, y = top + (anchor / grid.Cols + 0.5f) * cell + label.Size / 3;
            canvas.DrawText(text, x, y, SKTextAlign.Center, label, halo);
            canvas.DrawText(text, x, y, SKTextAlign.Center, label, labelInk);
        }
    }

    static SKBitmap Grey(int height, int width)
    {
        var bitmap = new SKBitmap(width, height);
        bitmap.Erase(new SKColor(200, 200, 200));
        return bitmap;
    }

    /// <summary>Blue for the first segment through to red for the last.</summary>
    static SKColor RankColour(int rank, int count)
    {
        float hue = 240f * (1 - (float)rank / Math.Max(1, count - 1));
        return SKColor.FromHsv(hue, 85, 95);
    }

    /// <summary>The segment's token closest to its centroid (a blob's centroid can lie outside it).</summary>
    static int CentralToken(List<int> tokens, int cols)
    {
        double cy = tokens.Average(t => t / cols), cx = tokens.Average(t => t % cols);
        return tokens.MinBy(t => Math.Pow(t / cols - cy, 2) + Math.Pow(t % cols - cx, 2));
    }

    static void DrawBorders(SKCanvas canvas, int rows, int cols, int[] groupOfToken, float left, float top, int cell,
        SKColor colour, float width)
    {
        using var pen = new SKPaint { Color = colour, StrokeWidth = width, IsAntialias = false, StrokeCap = SKStrokeCap.Square };
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                int t = r * cols + c;
                if (c + 1 < cols && groupOfToken[t] != groupOfToken[t + 1])
                    canvas.DrawLine(left + (c + 1) * cell, top + r * cell, left + (c + 1) * cell, top + (r + 1) * cell, pen);
                if (r + 1 < rows && groupOfToken[t] != groupOfToken[t + cols])
                    canvas.DrawLine(left + c * cell, top + (r + 1) * cell, left + (c + 1) * cell, top + (r + 1) * cell, pen);
            }
    }
}
