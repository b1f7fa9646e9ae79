namespace RandSac.Data;

/// <summary>Which part of a dataset to load.</summary>
public enum DataSplit
{
    Train,
    Test,
}
