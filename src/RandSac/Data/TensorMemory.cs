using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Data;

/// <summary>
/// Direct access to the storage of contiguous CPU tensors. TorchSharp's <c>Tensor.bytes</c>
/// is limited to 2 GB, and datasets may be larger, so this takes the base address once and
/// hands out spans per image.
/// </summary>
internal static unsafe class TensorMemory
{
    /// <summary>Address of the first element of a contiguous CPU tensor.</summary>
    public static IntPtr BaseAddress(Tensor tensor)
    {
        if (tensor.device_type != DeviceType.CPU || !tensor.is_contiguous())
        {
            throw new ArgumentException("the tensor must be a contiguous CPU tensor", nameof(tensor));
        }
        if (tensor.numel() == 0)
        {
            return IntPtr.Zero;
        }
        // A one-element view shares the storage, and its byte span starts at the tensor's first element.
        using var flat = tensor.view(-1);
        using var first = flat.narrow(0, 0, 1);
        fixed (byte* pointer = first.bytes)
        {
            // The storage is native memory owned by libtorch, which never moves it, so the
            // address stays valid after the fixed block for as long as the tensor lives.
            return (IntPtr)pointer;
        }
    }

    /// <summary>A writable span of <paramref name="length"/> bytes at <paramref name="offset"/> from <paramref name="address"/>.</summary>
    public static Span<byte> Bytes(IntPtr address, long offset, int length) =>
        new((byte*)address + offset, length);

    /// <summary>A new uninitialised uint8 tensor that belongs to no dispose scope.</summary>
    public static Tensor EmptyBytes(params long[] shape) =>
        torch.empty(shape, ScalarType.Byte).DetachFromDisposeScope();

    /// <summary>The tensor's elements as a writable float span (contiguous float32 CPU tensor, under 2 GB).</summary>
    public static Span<float> Floats(Tensor tensor)
    {
        if (tensor.dtype != ScalarType.Float32)
        {
            throw new ArgumentException("the tensor must be float32", nameof(tensor));
        }
        return new Span<float>((void*)BaseAddress(tensor), checked((int)tensor.numel()));
    }

    /// <summary>The tensor's elements as a writable int64 span (contiguous int64 CPU tensor, under 2 GB).</summary>
    public static Span<long> Longs(Tensor tensor)
    {
        if (tensor.dtype != ScalarType.Int64)
        {
            throw new ArgumentException("the tensor must be int64", nameof(tensor));
        }
        return new Span<long>((void*)BaseAddress(tensor), checked((int)tensor.numel()));
    }
}
