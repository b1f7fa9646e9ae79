namespace RandSac.Data;

/// <summary>Which of CIFAR-100's two labels to use: the 100 fine classes or the 20 coarse superclasses.</summary>
public enum CifarLabels
{
    Fine,
    Coarse,
}
