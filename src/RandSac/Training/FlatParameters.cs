using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RandSac.Training;

/// <summary>
/// A set of parameters moved into one contiguous 1-D buffer, with their gradients set to views of
/// a second buffer of the same layout, so that whole-set work (an optimiser update, zeroing the
/// gradients, copying weights between precisions) is one operation instead of one per parameter.
/// The parameters stay the same objects; only their storage moves (<c>set_</c>), so modules,
/// state dicts and autograd see no difference, and backward accumulates into the gradient
/// buffer in place. The gradients must not be set to null afterwards.
/// </summary>
public sealed class FlatParameters : IDisposable
{
    readonly long[] _offsets;

    FlatParameters(IReadOnlyList<(string Name, Parameter Parameter)> members, Tensor values, Tensor grads, long[] offsets)
    {
        Members = members;
        Values = values;
        Grads = grads;
        _offsets = offsets;
    }

    /// <summary>The parameters, in buffer order.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> Members { get; }

    /// <summary>All members' values, concatenated (1-D).</summary>
    public Tensor Values { get; }

    /// <summary>All members' gradients, concatenated (1-D), same layout as <see cref="Values"/>.</summary>
    public Tensor Grads { get; }

    public long Count => Values.shape[0];

    /// <summary>
    /// Moves the parameters' values (and any gradient they hold) into new buffers. All members
    /// must share one dtype and device.
    /// </summary>
    public static FlatParameters Adopt(IReadOnlyList<(string Name, Parameter Parameter)> members)
    {
        if (members.Count == 0) throw new ArgumentException("nothing to flatten");
        var dtype = members[0].Parameter.dtype;
        var device = members[0].Parameter.device;
        var offsets = new long[members.Count + 1];
        for (int i = 0; i < members.Count; i++)
        {
            var p = members[i].Parameter;
            if (p.dtype != dtype || p.device.type != device.type || p.device.index != device.index)
                throw new ArgumentException($"parameter '{members[i].Name}' is {p.dtype} on {p.device}, the others {dtype} on {device}");
            offsets[i + 1] = offsets[i] + p.numel();
        }
        using var noGrad = no_grad();
        var values = empty(offsets[^1], dtype, device).DetachFromDisposeScope();
        var grads = zeros(offsets[^1], dtype, device).DetachFromDisposeScope();
        var flat = new FlatParameters(members, values, grads, offsets);
        for (int i = 0; i < members.Count; i++)
        {
            var p = members[i].Parameter;
            using var value = flat.Slice(values, i);
            value.copy_(p);
            using var grad = flat.Slice(grads, i);
            using (var old = p.grad)
                if (old is not null) grad.copy_(old);
            p.set_(value); // returns p itself
            p.grad = grad;
        }
        return flat;
    }

    /// <summary>Member <paramref name="index"/>'s part of a buffer with this layout, shaped like the parameter.</summary>
    public Tensor Slice(Tensor buffer, int index) =>
        buffer.narrow(0, _offsets[index], _offsets[index + 1] - _offsets[index]).view(Members[index].Parameter.shape);

    /// <summary>A new zeroed buffer with this layout, in <paramref name="dtype"/> (default: the parameters').</summary>
    public Tensor NewBuffer(ScalarType? dtype = null) => zeros(Count, dtype ?? Values.dtype, Values.device).DetachFromDisposeScope();

    public void ZeroGrad()
    {
        using var scope = NewDisposeScope(); // zero_() returns a new tensor object for the same buffer
        Grads.zero_();
    }

    public void Dispose()
    {
        Values.Dispose();
        Grads.Dispose();
    }
}
