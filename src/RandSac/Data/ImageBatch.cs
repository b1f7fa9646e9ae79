using static TorchSharp.torch;

namespace RandSac.Data;

/// <summary>
/// A prepared batch: normalised float32 images (B, C, H, W) and int64 labels (B).
/// The consumer owns it and must dispose it (it belongs to no dispose scope).
/// </summary>
public sealed class ImageBatch : IDisposable
{
    public ImageBatch(Tensor images, Tensor labels, BatchRequest request)
    {
        Images = images;
        Labels = labels;
        Request = request;
    }

    /// <summary>float32 (B, C, H, W), normalised with the dataset's mean and std.</summary>
    public Tensor Images { get; }

    /// <summary>int64 (B) class indices.</summary>
    public Tensor Labels { get; }

    /// <summary>Which batch this is (epoch, index, dataset indices, seed).</summary>
    public BatchRequest Request { get; }

    public int Count => Request.Indices.Length;

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
