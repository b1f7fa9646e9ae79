using System.Globalization;

namespace RandSac.Evaluation;

/// <summary>
/// Layer-wise learning-rate decay for fine-tuning (BEiT/MAE): the patch embedding (and
/// positions) is layer 0, block i is layer i+1, everything after the blocks (final norm, head)
/// is layer L+1; a parameter of layer id trains with lr × decay^(L+1−id), so the head gets the
/// full rate and earlier layers geometrically less.
/// </summary>
public static class LayerDecay
{
    public const double Default = 0.65;

    /// <summary>
    /// The layer of a parameter, by name: <c>[encoder.]patch_embed.*</c> and <c>pos_embed</c> → 0,
    /// <c>[encoder.]blocks.{i}.*</c> → i+1, anything else → <paramref name="depth"/>+1.
    /// </summary>
    public static int LayerId(string parameterName, int depth)
    {
        string name = parameterName.StartsWith("encoder.", StringComparison.Ordinal) ? parameterName["encoder.".Length..] : parameterName;
        if (name.StartsWith("patch_embed.", StringComparison.Ordinal) || name is "pos_embed" or "cls_token") return 0;
        if (name.StartsWith("blocks.", StringComparison.Ordinal))
        {
            string index = name["blocks.".Length..].Split('.')[0];
            return int.Parse(index, CultureInfo.InvariantCulture) + 1;
        }
        return depth + 1;
    }

    /// <summary>decay^(L+1−id).</summary>
    public static double Scale(int layerId, int depth, double decay) => Math.Pow(decay, depth + 1 - layerId);
}
