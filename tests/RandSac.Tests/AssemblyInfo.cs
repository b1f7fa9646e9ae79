// Torch's generator and thread count are process-wide: tests that seed a model or time a
// step must not interleave with others.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
