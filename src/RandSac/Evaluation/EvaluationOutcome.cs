namespace RandSac.Evaluation;

/// <summary>What a trained evaluation (linear probe, fine-tuning) ends with.</summary>
/// <param name="Accuracy">On the test split.</param>
/// <param name="Steps">Optimiser steps taken.</param>
/// <param name="FinalLoss">Mean training loss of the last epoch.</param>
public sealed record EvaluationOutcome(ClassificationResult Accuracy, long Steps, double FinalLoss);
