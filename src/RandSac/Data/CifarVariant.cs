namespace RandSac.Data;

/// <summary>The two CIFAR datasets, which share the image format but not the record layout.</summary>
public enum CifarVariant
{
    Cifar10,
    Cifar100,
}
