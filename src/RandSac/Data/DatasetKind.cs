namespace RandSac.Data;

/// <summary>The datasets RandSac reads.</summary>
public enum DatasetKind
{
    /// <summary>The built-in procedurally generated dataset; needs no files.</summary>
    Synthetic,
    Cifar10,
    Cifar100,
    /// <summary>An ImageNet-style folder: <c>root/&lt;class&gt;/*.jpg|png</c>, optionally under <c>train/</c> and <c>val/</c>.</summary>
    Folder,
}
