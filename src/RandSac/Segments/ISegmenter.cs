namespace RandSac.Segments;

/// <summary>Groups an image's tokens into segments; sampled per image and per step.</summary>
public interface ISegmenter
{
    /// <summary>The spec string that builds this segmenter, e.g. <c>square:2</c>.</summary>
    string Spec { get; }

    Segmentation Sample(TokenGrid grid, Random random);
}
