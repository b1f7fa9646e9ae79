using RandSac.Models;

namespace RandSac.Benchmarks;

/// <summary>
/// How many tokens the encoder and the decoder run on per image for a configuration. Square
/// segments give the same lengths for every batch; ragged segments (blobs) are padded to the
/// longest image of each batch, so their lengths are averaged over a few sampled batches.
/// </summary>
/// <param name="Encoder">Encoder tokens per image (padded).</param>
/// <param name="Decoder">Decoder queries per image (padded).</param>
public sealed record SequenceLengths(double Encoder, double Decoder)
{
    public static SequenceLengths Sample(PretrainOptions options, string segments, string order, int batchSize, int batches = 8)
    {
        if (!options.Method.UsesSegmentPlan())
        {
            var mae = new MaeMaskSampler(options.Encoder.TokenCount, options.MaskRatio);
            return new SequenceLengths(mae.KeepCount, options.Encoder.TokenCount);
        }
        var sampler = PretrainerFactory.CreateInputSampler(options, segments, order);
        double encoder = 0, decoder = 0;
        for (int seed = 0; seed < batches; seed++)
        {
            using var inputs = sampler.Sample(batchSize, seed);
            encoder += inputs.Plan!.EncoderTokens.shape[1];
            decoder += inputs.Plan.DecoderTokens.shape[1];
        }
        return new SequenceLengths(encoder / batches, decoder / batches);
    }
}
