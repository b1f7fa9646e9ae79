using RandSac.Settings;

namespace RandSac.Evaluation;

/// <summary>
/// The linear probe's recipe. The paper's (MAE's): LARS, momentum 0.9, no weight decay,
/// base lr 0.1 (lr = base × batch / 256), 10 warmup epochs then cosine, 90 epochs, batch 16384,
/// RandomResizedCrop + flip on every step. Our defaults keep all of that except: the batch is
/// 1024 (a 50 000-image set gives 3 steps an epoch at 16384), with the base lr raised so the
/// peak stays the paper's 6.4 (= 0.1 × 16384 / 256) — a LARS step moves each matrix by
/// lr × trust coefficient relative to its norm, whatever the batch, so scaling the lr down with
/// the batch would leave the head near its initialisation — and, in <see cref="Fast"/> mode,
/// features computed once without augmentation (see <see cref="Fast"/>).
/// </summary>
public sealed record LinearProbeOptions
{
    /// <summary>
    /// Compute the frozen encoder's features once, without augmentation, and train the head on
    /// them; a deviation from the paper's augmented probe that makes the probe cost two passes
    /// over the data instead of one per epoch. When false, every step augments its images
    /// (RandomResizedCrop scale (0.08, 1) and flip, as MAE) and runs the encoder again.
    /// </summary>
    public bool Fast { get; init; } = true;

    [Setting("Epochs (paper: 90).")]
    public int Epochs { get; init; } = 90;

    [Setting("Batch (paper: 16384).")]
    public int Batch { get; init; } = 1024;

    /// <summary>lr = base × batch / 256; the default 1.6 gives the paper's peak 6.4 at batch 1024.</summary>
    [Setting("Base learning rate; the peak is base × batch / 256 (the paper's peak is 6.4: base 0.1 at batch 16384).")]
    public double BaseLr { get; init; } = PaperPeakLr * 256 / 1024;

    [Setting("Learning rate at the end of the cosine.")]
    public double MinLr { get; init; }

    [Setting("Warmup epochs (paper: 10).")]
    public double WarmupEpochs { get; init; } = 10;

    [Setting("LARS weight decay.")]
    public double WeightDecay { get; init; }

    [Setting("LARS momentum.")]
    public double Momentum { get; init; } = 0.9;

    [Setting("LARS trust coefficient.")]
    public double TrustCoefficient { get; init; } = 0.001;

    /// <summary>Images per encoder forward when computing features (the command line's --feature-batch).</summary>
    public int FeatureBatch { get; init; } = 256;

    [Setting("Seed of the head, data order and augmentation.")]
    public int Seed { get; init; }

    /// <summary>The paper's peak learning rate: base 0.1 at batch 16384.</summary>
    public const double PaperPeakLr = 0.1 * 16384 / 256;

    /// <summary>
    /// The defaults of each mode: 90 epochs at batch 1024 on cached features; 10 epochs (paper: 90)
    /// at batch 256 with augmentation, where every epoch is a full encoder pass. Both peak at the paper's lr.
    /// </summary>
    public static LinearProbeOptions For(bool fast) => fast
        ? new()
        : new() { Fast = false, Epochs = 10, Batch = 256, WarmupEpochs = 1, BaseLr = PaperPeakLr };

    public LinearProbeOptions Validated()
    {
        Require(Epochs > 0, $"epochs must be positive, got {Epochs}");
        Require(Batch > 0, $"batch must be positive, got {Batch}");
        Require(BaseLr > 0, $"base learning rate must be positive, got {BaseLr}");
        Require(MinLr >= 0, $"minimum learning rate must not be negative, got {MinLr}");
        Require(WarmupEpochs >= 0, $"warmup epochs must not be negative, got {WarmupEpochs}");
        Require(FeatureBatch > 0, $"feature batch must be positive, got {FeatureBatch}");
        return this;
    }

    static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }
}
