using RandSac.Models;
using RandSac.Training;
using static TorchSharp.torch;

namespace RandSac.Evaluation;

/// <summary>
/// The encoders that evaluation starts from: the <c>encoder.*</c> weights of a pre-training
/// checkpoint, or a randomly initialised encoder of the same shape (the baseline every
/// pre-trained number is compared with).
/// </summary>
public static class EvaluationEncoder
{
    const string Prefix = "encoder.";

    /// <summary>
    /// The shape of the encoder a pre-training config trained, for images of the given size: its
    /// preset, except for two-stream, whose whole shared stream (encoder + decoder depth) is the
    /// encoder (<see cref="PretrainOptions.TrainedEncoder"/>).
    /// </summary>
    public static ViTConfig ConfigOf(PretrainConfig config, int channels, int imageSize, double dropPathRate = 0.0) =>
        (config.ModelOptions(channels, imageSize).TrainedEncoder with { DropPathRate = dropPathRate }).Validated();

    /// <summary>
    /// A new encoder with the checkpoint's <c>encoder.*</c> weights, loaded strictly: every
    /// parameter must be present with the right shape, and nothing else may be. A mismatch (e.g. a
    /// dataset with other channels or image size than the one pre-trained on) throws an
    /// <see cref="InvalidDataException"/> naming the tensor.
    /// </summary>
    public static VisionTransformer FromCheckpoint(Checkpoint checkpoint, ViTConfig config)
    {
        var state = checkpoint.Model
            .Where(p => p.Key.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(p => p.Key[Prefix.Length..], p => p.Value);
        if (state.Count == 0)
            throw new InvalidDataException("the checkpoint holds no encoder.* tensors");
        var encoder = new VisionTransformer(config);
        try
        {
            var expected = encoder.state_dict();
            foreach (var (name, tensor) in expected)
            {
                if (!state.TryGetValue(name, out var saved))
                    throw new InvalidDataException($"the checkpoint has no encoder.{name}");
                if (!saved.shape.SequenceEqual(tensor.shape))
                    throw new InvalidDataException(
                        $"encoder.{name} is [{string.Join(", ", saved.shape)}] in the checkpoint but [{string.Join(", ", tensor.shape)}] " +
                        "for this data (is it the dataset and image size the encoder was pre-trained on?)");
            }
            if (state.Keys.FirstOrDefault(name => !expected.ContainsKey(name)) is { } extra)
                throw new InvalidDataException($"the checkpoint's encoder.{extra} has no place in a {config.Dim}/{config.Depth}/{config.Heads} ViT");
            encoder.load_state_dict(state, strict: true);
            return encoder;
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A randomly initialised encoder (MAE's initialisation) drawn after <c>torch.manual_seed(seed)</c>:
    /// the same seed gives the same weights.
    /// </summary>
    public static VisionTransformer RandomInit(ViTConfig config, long seed)
    {
        manual_seed(seed);
        return new VisionTransformer(config); // the encoder initialises itself like MAE
    }
}
