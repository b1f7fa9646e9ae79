namespace RandSac.Training;

/// <summary>A run stopped on request at the end of <see cref="Step"/>, after writing its checkpoint.</summary>
public sealed class RunStoppedException(long step) : OperationCanceledException($"stopped after step {step}; the checkpoint holds it")
{
    public long Step { get; } = step;
}
