using static TorchSharp.torch;

namespace RandSac.Plans;

/// <summary>
/// Turns per-image plans into batch tensors and masks. Runs on managed arrays,
/// so it can run on the loader thread; the tensors it makes belong to the caller.
/// </summary>
public static class SegmentPlanBuilder
{
    public static SegmentPlan Build(IReadOnlyList<ImagePlan> images)
    {
        if (images.Count == 0) throw new ArgumentException("a segment plan needs at least one image");
        int tokens = images[0].RankOfToken.Length;
        if (images.Any(p => p.RankOfToken.Length != tokens))
            throw new ArgumentException("all images of a batch must have the same number of tokens");
        if (images.Any(p => p.SegmentCount < 2))
            throw new ArgumentException("an image needs at least two segments to predict one from another");

        int batch = images.Count;
        var encoder = Sequences(images, p => p.EncoderTokens.ToArray());
        var decoder = Sequences(images, p => p.DecoderTokens.ToArray());
        bool shared = images.All(p => SameRanks(p, images[0]));

        using var scope = NewDisposeScope();
        var plan = new SegmentPlan(
            images,
            Int64(encoder.Tokens, batch),
            Int64(decoder.Tokens, batch),
            Int64(encoder.Ranks, batch),
            Int64(decoder.Ranks, batch),
            Mask(shared ? 1 : batch, encoder.Ranks, encoder.Ranks, encoder.Length, encoder.Length, strict: false),
            Mask(shared ? 1 : batch, decoder.Ranks, decoder.Ranks, decoder.Length, decoder.Length, strict: false),
            Mask(shared ? 1 : batch, decoder.Ranks, encoder.Ranks, decoder.Length, encoder.Length, strict: true),
            shared ? null : Valid(encoder.Ranks, batch),
            shared ? null : Valid(decoder.Ranks, batch));
        scope.Detach(plan.EncoderTokens, plan.DecoderTokens, plan.EncoderRanks, plan.DecoderRanks,
            plan.EncoderMask, plan.DecoderSelfMask, plan.CrossMask);
        if (plan.EncoderValid is not null) scope.Detach(plan.EncoderValid, plan.DecoderValid!);
        return plan;
    }

    static bool SameRanks(ImagePlan a, ImagePlan b) =>
        a.Sequence.Select(t => a.RankOfToken[t]).SequenceEqual(b.Sequence.Select(t => b.RankOfToken[t]));

    /// <summary>Padded token ids and ranks (pad: token 0, rank −1), row-major (B, Length).</summary>
    sealed record PaddedSequences(long[] Tokens, long[] Ranks, int Length);

    static PaddedSequences Sequences(IReadOnlyList<ImagePlan> images, Func<ImagePlan, int[]> select)
    {
        var rows = images.Select(select).ToArray();
        int length = rows.Max(r => r.Length);
        var tokens = new long[images.Count * length];
        var ranks = new long[images.Count * length];
        Array.Fill(ranks, -1L);
        for (int b = 0; b < images.Count; b++)
            for (int i = 0; i < rows[b].Length; i++)
            {
                tokens[b * length + i] = rows[b][i];
                ranks[b * length + i] = images[b].RankOfToken[rows[b][i]];
            }
        return new PaddedSequences(tokens, ranks, length);
    }

    /// <summary>
    /// allowed[b, q, k] = rank_k ≤ rank_q (or &lt; when strict) for real entries; pad keys are
    /// never seen by real queries; a pad query sees key 0 only.
    /// </summary>
    static Tensor Mask(int batch, long[] queryRanks, long[] keyRanks, int queries, int keys, bool strict)
    {
        var allowed = new bool[batch * queries * keys];
        for (int b = 0; b < batch; b++)
            for (int q = 0; q < queries; q++)
            {
                long rq = queryRanks[b * queries + q];
                int row = (b * queries + q) * keys;
                if (rq < 0)
                {
                    allowed[row] = true;
                    continue;
                }
                for (int k = 0; k < keys; k++)
                {
                    long rk = keyRanks[b * keys + k];
                    allowed[row + k] = rk >= 0 && (strict ? rk < rq : rk <= rq);
                }
            }
        return tensor(allowed, [batch, 1, queries, keys]);
    }

    static Tensor Valid(long[] ranks, int batch) =>
        tensor(ranks.Select(r => r >= 0).ToArray(), [batch, ranks.Length / batch]);

    static Tensor Int64(long[] values, int batch) => tensor(values, [batch, values.Length / batch]);
}
