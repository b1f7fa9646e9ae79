using static TorchSharp.torch;

namespace RandSac.Models;

/// <summary>
/// What the encoder returns: the final-normed tokens and, when asked for, every block's
/// (un-normed) output H^1..H^L.
/// </summary>
public sealed record EncoderOutput(Tensor Output, IReadOnlyList<Tensor>? BlockOutputs);
