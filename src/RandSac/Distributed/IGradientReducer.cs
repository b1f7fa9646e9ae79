using RandSac.Training;

namespace RandSac.Distributed;

/// <summary>Combines the gradients every rank accumulated into the optimiser's flat buffers, before clipping and the update.</summary>
public interface IGradientReducer
{
    void Reduce(IReadOnlyList<FlatParameters> groups);
}
