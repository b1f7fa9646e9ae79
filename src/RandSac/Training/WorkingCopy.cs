using RandSac.Models;
using RandSac.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Training;

/// <summary>
/// A reduced-precision replica of a model for mixed-precision training: forward and backward
/// run on the replica, whose weights and gradients live in buffers laid out like the master's
/// optimiser groups, so moving gradients to the float32 master (accumulating them there) and
/// refreshing the replica from the updated master weights are one converting copy per group.
/// </summary>
public sealed class WorkingCopy : IDisposable
{
    readonly IReadOnlyList<FlatParameters> _masters;
    readonly List<FlatParameters> _copies = [];

    /// <param name="replica">A model of the same architecture as the master's, to become the copy (it is converted and owned).</param>
    /// <param name="masters">The master's parameter groups (<see cref="AdamW.Groups"/>).</param>
    public WorkingCopy(Pretrainer replica, IReadOnlyList<FlatParameters> masters, ScalarType dtype)
    {
        Model = replica;
        _masters = masters;
        Model.to(dtype);
        var byName = Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var master in masters)
        {
            var members = master.Members.Select(m => byName.TryGetValue(m.Name, out var p)
                ? (m.Name, p)
                : throw new ArgumentException($"the replica has no parameter '{m.Name}'")).ToList();
            _copies.Add(FlatParameters.Adopt(members));
        }
        Refresh();
    }

    /// <summary>The replica, in the reduced precision.</summary>
    public Pretrainer Model { get; }

    /// <summary>Copies the master weights into the replica (after every optimiser step or load).</summary>
    public void Refresh()
    {
        using var _ = no_grad();
        for (int i = 0; i < _copies.Count; i++) _copies[i].Values.copy_(_masters[i].Values);
    }

    /// <summary>Adds the replica's gradients into the master's (in float32) and zeroes the replica's.</summary>
    public void AccumulateGradients()
    {
        using var _ = no_grad();
        for (int i = 0; i < _copies.Count; i++)
        {
            _masters[i].Grads.PlusInPlace(_copies[i].Grads);
            _copies[i].ZeroGrad();
        }
    }

    public void Dispose()
    {
        foreach (var copy in _copies) copy.Dispose();
        Model.Dispose();
    }
}
