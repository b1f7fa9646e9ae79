using RandSac.Models;

namespace RandSac.Training;

/// <summary>
/// A measurement of the encoder taken during pre-training every <see cref="Every"/> optimiser
/// steps and after the last one (e.g. kNN accuracy on held-out images). The encoder is in eval
/// mode, under no_grad, while it is measured.
/// </summary>
public sealed record EncoderProbe(string Name, int Every, Func<VisionTransformer, double> Measure);

/// <summary>One measurement of an <see cref="EncoderProbe"/>.</summary>
public sealed record ProbeReading(string Name, double Value);
