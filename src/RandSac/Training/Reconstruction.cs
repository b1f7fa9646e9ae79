using RandSac.Data;
using RandSac.Data.Augmentation;
using RandSac.Models;
using RandSac.Platform;
using RandSac.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Training;

/// <summary>
/// What a pre-trained model predicts for some images: the input, and the input with every
/// predicted token replaced by the model's prediction, both as displayable bytes (C×H×W).
/// With norm-pix loss the model predicts normalised patches; they are mapped back with each
/// target patch's own mean and variance, the only way to show them as pixels.
/// </summary>
public static class Reconstruction
{
    /// <param name="Predicted">Per raster token: whether the model predicted it (false: context it was given).</param>
    public sealed record Image(byte[] Input, byte[] Prediction, bool[] Predicted);

    public static List<Image> Run(Pretrainer model, ImageDataset dataset, int[] indices, PretrainBatchInputs inputs,
        bool normPixLoss, int patchSize)
    {
        using var batch = new ImageBatchPreparer(dataset, AugmentationOptions.None).Prepare(new BatchRequest(0, 0, indices, 0));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        var output = model.Forward(batch.Images, inputs, normPixLoss);
        var patches = Patches.Patchify(batch.Images, patchSize);
        var targets = patches.gather(1, output.TargetTokens.unsqueeze(-1).expand(-1, -1, patches.shape[2]));
        var prediction = output.Prediction;
        if (normPixLoss) prediction = Patches.UnnormalisePerPatch(prediction, targets);

        long b = indices.Length, n = patches.shape[1], values = patches.shape[2];
        var valid = output.Valid ?? ones(output.TargetTokens.shape, ScalarType.Bool);
        // Padding rows point at token 0 with garbage; route them to a spare token n that is dropped.
        var rows = where(valid, output.TargetTokens, n);
        var mixed = cat([patches, zeros(b, 1, values)], 1)
            .scatter_(1, rows.unsqueeze(-1).expand(-1, -1, values), prediction)[.., ..(int)n];
        var flags = zeros(b, n + 1, dtype: ScalarType.Bool)
            .scatter_(1, rows, ones_like(rows, ScalarType.Bool))[.., ..(int)n];

        var inputPixels = ToBytes(batch.Images, dataset);
        var predictionPixels = ToBytes(Patches.Unpatchify(mixed, patchSize, dataset.Channels, dataset.Height, dataset.Width), dataset);
        var flagValues = flags.contiguous().data<bool>().ToArray();
        int tokens = (int)n, bytes = dataset.ImageBytes;
        return Enumerable.Range(0, indices.Length).Select(i => new Image(
            inputPixels.AsSpan(i * bytes, bytes).ToArray(),
            predictionPixels.AsSpan(i * bytes, bytes).ToArray(),
            flagValues.AsSpan(i * tokens, tokens).ToArray())).ToList();
    }

    /// <summary>Normalised (B, C, H, W) back to bytes with the dataset's mean and std.</summary>
    static byte[] ToBytes(Tensor normalised, ImageDataset dataset)
    {
        var mean = tensor(dataset.Mean).reshape(1, -1, 1, 1);
        var std = tensor(dataset.Std).reshape(1, -1, 1, 1);
        using var byteMax = 255.ToScalar();
        var pixels = (normalised * std).Plus(mean).mul(byteMax).round().clamp(HeldScalars.Zero, byteMax).to(ScalarType.Byte).contiguous();
        return pixels.data<byte>().ToArray();
    }
}
