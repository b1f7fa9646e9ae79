using RandSac.Models;

namespace RandSac.Benchmarks;

/// <summary>
/// The paper's Table 11 view of a configuration: parameters and forward MACs per image of the
/// encoder, the skip layer and the decoder.
/// </summary>
public sealed record ModelCost(PartCost Encoder, PartCost Skip, PartCost Decoder, SequenceLengths Lengths)
{
    public IEnumerable<PartCost> Parts => [Encoder, Skip, Decoder];
    public long Parameters => Encoder.Parameters + Skip.Parameters + Decoder.Parameters;
    public double Macs => Encoder.Macs + Skip.Macs + Decoder.Macs;

    /// <summary>FLOPs of one training step (forward + backward) per image: 6 × forward MACs.</summary>
    public double TrainFlopsPerImage => 6 * Macs;

    /// <summary>Counts a model's parameters by part and its MACs for the given sequence lengths.</summary>
    public static ModelCost Of(Pretrainer model, PretrainOptions options, SequenceLengths lengths)
    {
        var macs = MacCount.For(options, lengths.Encoder, lengths.Decoder);
        long encoder = 0, skip = 0, decoder = 0;
        foreach (var (name, parameter) in model.named_parameters())
        {
            long n = parameter.numel();
            if (name.StartsWith("encoder.", StringComparison.Ordinal)) encoder += n;
            else if (name == "skip_weight") skip += n;
            else decoder += n;
        }
        if (options.Method == PretrainMethod.TwoStream)
            // Two-stream has no decoder of its own beyond the pixel head; it runs the encoder twice.
            return new ModelCost(new("encoder", encoder, macs.Encoder), new("skip", 0, 0), new("query stream + head", decoder, macs.Decoder), lengths);
        return new ModelCost(new("encoder", encoder, macs.Encoder), new("skip", skip, macs.Skip), new("decoder", decoder, macs.Decoder), lengths);
    }
}

/// <summary>Parameters and forward MACs per image of one part of a model.</summary>
public sealed record PartCost(string Name, long Parameters, double Macs);
