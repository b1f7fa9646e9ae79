namespace RandSac.Tests.Models;

/// <summary>
/// The model tests seed torch's global generator and rely on what it draws next, so they run
/// in one collection, never alongside other tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchGlobalState
{
    public const string Name = "torch global state";
}
