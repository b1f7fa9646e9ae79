using static TorchSharp.torch;

namespace RandSac.Models;

/// <summary>
/// One pre-training forward pass. Tensors live in the caller's dispose scope.
/// </summary>
/// <param name="Loss">Scalar loss, differentiable.</param>
/// <param name="Prediction">(B, Lt, P·P·C) predicted patch of every target row.</param>
/// <param name="TargetTokens">(B, Lt) int64 raster index of the token each row predicts.</param>
/// <param name="Valid">(B, Lt) bool, false for padding rows; null when every row is real.</param>
public sealed record PretrainOutput(Tensor Loss, Tensor Prediction, Tensor TargetTokens, Tensor? Valid)
{
    /// <summary>Moves what the forward pass made (loss and prediction) to the outer dispose scope; the
    /// target tokens and valid rows belong to the batch inputs.</summary>
    internal PretrainOutput MoveToOuterDisposeScope()
    {
        Loss.MoveToOuterDisposeScope();
        Prediction.MoveToOuterDisposeScope();
        return this;
    }
}
