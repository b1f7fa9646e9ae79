namespace RandSac.Training;

/// <summary>
/// A run stopped because its loss, gradients or weights stopped being finite. It is thrown before
/// anything non-finite reaches a checkpoint; the message says what happened and what to try.
/// </summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
