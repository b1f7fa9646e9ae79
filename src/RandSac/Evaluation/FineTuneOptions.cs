using RandSac.Settings;

namespace RandSac.Evaluation;

/// <summary>
/// The fine-tuning recipe (MAE's): AdamW β=(0.9, 0.999), weight decay 0.05 (none on
/// 1-D parameters), base lr 5e-4 (lr = base × batch / 256) with layer decay 0.65, warmup then
/// cosine per iteration down to 1e-6, RandAugment rand-m9-mstd0.5-inc1, mixup 0.8 / cutmix 1.0
/// (switch 0.5), label smoothing 0.1, drop path 0.1, RandomResizedCrop scale (0.08, 1) + flip.
/// The paper trains 100 epochs at batch 1024 with 5 warmup epochs; our CPU defaults are 10
/// epochs at batch 128 with 1 warmup epoch. MAE's random erasing (p 0.25) is not used.
/// </summary>
public sealed record FineTuneOptions
{
    // Each [Setting] is also `finetune --name` (the kebab-case key of the evaluation record's options).
    [Setting("Epochs (paper: 100).")]
    public int Epochs { get; init; } = 10;

    [Setting("Batch (paper: 1024).")]
    public int Batch { get; init; } = 128;

    [Setting("Base learning rate; the peak is base × batch / 256.")]
    public double BaseLr { get; init; } = 5e-4;

    [Setting("Learning rate at the end of the cosine.")]
    public double MinLr { get; init; } = 1e-6;

    [Setting("Warmup epochs (paper: 5).")]
    public double WarmupEpochs { get; init; } = 1;

    [Setting("Layer-wise lr decay.")]
    public double LayerDecay { get; init; } = Evaluation.LayerDecay.Default;

    [Setting("AdamW weight decay on matrices.")]
    public double WeightDecay { get; init; } = 0.05;

    [Setting("AdamW's first-moment decay.")]
    public double Beta1 { get; init; } = 0.9;

    [Setting("AdamW's second-moment decay.")]
    public double Beta2 { get; init; } = 0.999;

    [Setting("Stochastic depth rate.")]
    public double DropPath { get; init; } = 0.1;

    [Setting("Mixup alpha, 0 for none.")]
    public double Mixup { get; init; } = 0.8;

    [Setting("CutMix alpha, 0 for none.")]
    public double Cutmix { get; init; } = 1.0;

    [Setting("Chance a mixed batch uses CutMix rather than mixup, when both are on.")]
    public double MixupSwitchProbability { get; init; } = 0.5;

    [Setting("Label smoothing.", Alias = "--smoothing")]
    public double LabelSmoothing { get; init; } = 0.1;

    public RandAugment RandAugment { get; init; } = new();

    [Setting("Smallest area fraction of RandomResizedCrop.")]
    public double CropScaleMin { get; init; } = 0.08;

    /// <summary>Largest gradient norm; null for no clipping (MAE's default).</summary>
    [Setting("Clip the gradient norm to this value.", Unset = "no clipping")]
    public double? ClipGrad { get; init; }

    /// <summary>Images per forward when evaluating (the command line's --feature-batch).</summary>
    public int EvalBatch { get; init; } = 256;

    /// <summary>Seeds the head (and, from scratch, the encoder), the data order, augmentation and mixing.</summary>
    [Setting("Seed of the head, data order, augmentation and mixing.")]
    public int Seed { get; init; }

    public FineTuneOptions Validated()
    {
        Require(Epochs > 0, $"epochs must be positive, got {Epochs}");
        Require(Batch > 0, $"batch must be positive, got {Batch}");
        Require(BaseLr > 0, $"base learning rate must be positive, got {BaseLr}");
        Require(MinLr >= 0, $"minimum learning rate must not be negative, got {MinLr}");
        Require(WarmupEpochs >= 0, $"warmup epochs must not be negative, got {WarmupEpochs}");
        Require(LayerDecay is > 0 and <= 1, $"layer decay must be in (0, 1], got {LayerDecay}");
        Require(WeightDecay >= 0, $"weight decay must not be negative, got {WeightDecay}");
        Require(DropPath is >= 0 and < 1, $"drop path must be in [0, 1), got {DropPath}");
        Require(Mixup >= 0 && Cutmix >= 0, "mixup and cutmix alphas must not be negative");
        Require(LabelSmoothing is >= 0 and < 1, $"label smoothing must be in [0, 1), got {LabelSmoothing}");
        Require(CropScaleMin is > 0 and <= 1, $"crop scale must be in (0, 1], got {CropScaleMin}");
        Require(ClipGrad is null or > 0, $"gradient clipping must be positive, got {ClipGrad}");
        Require(EvalBatch > 0, $"evaluation batch must be positive, got {EvalBatch}");
        RandAugment.Validated();
        return this;
    }

    static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }
}
