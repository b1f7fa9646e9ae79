using RandSac.Distributed;
using RandSac.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace RandSac.Training;

/// <summary>
/// One training step of a pre-trainer, in a precision: forward and backward of each
/// micro-batch (<see cref="Accumulate"/>), then clipping and the AdamW update
/// (<see cref="Update"/>). The model it is given holds the float32 master weights, which the
/// optimiser updates and checkpoints save. With <see cref="Precision.Bf16"/> forward and backward
/// run on a bfloat16 <see cref="WorkingCopy"/>; its gradients are accumulated into the master's
/// float32 gradients, the optimiser's moments stay float32, the loss is reduced in float32, and
/// the copy is refreshed from the master after every update.
/// </summary>
public sealed class TrainingStep : IDisposable
{
    readonly WorkingCopy? _working;

    /// <param name="model">The master model (float32); its parameters move into the optimiser's buffers.</param>
    /// <param name="createReplica">Builds another model of the same architecture (bf16 only); torch's generator is left as it was.</param>
    public TrainingStep(Pretrainer model, Precision precision, double weightDecay, double beta1, double beta2,
        Func<Pretrainer>? createReplica = null)
    {
        Model = model;
        Precision = precision;
        Optimizer = new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)), weightDecay, beta1, beta2,
            usesDecay: model.UsesWeightDecay);
        if (precision != Precision.Fp32)
        {
            if (createReplica is null) throw new ArgumentException($"{precision.Name()} training needs a way to build the working copy");
            using var rng = get_rng_state();
            var replica = createReplica();
            set_rng_state(rng); // building the replica must not shift what the run draws next
            _working = new WorkingCopy(replica, Optimizer.Groups, precision.ComputeType());
            _working.Model.train(model.training);
        }
    }

    /// <summary>For a model made by <see cref="PretrainerFactory"/> from <paramref name="options"/>.</summary>
    public TrainingStep(Pretrainer model, PretrainOptions options, Precision precision, double weightDecay, double beta1, double beta2)
        : this(model, precision, weightDecay, beta1, beta2, () => PretrainerFactory.Create(options))
    {
    }

    /// <summary>The master model: float32 weights, what is saved and evaluated.</summary>
    public Pretrainer Model { get; }

    public Precision Precision { get; }

    public AdamW Optimizer { get; }

    /// <summary>Combines the ranks' gradients before every update (data-parallel runs); null for one process.</summary>
    public IGradientReducer? Reducer { get; init; }

    /// <summary>The model forward and backward run on: the master in fp32, the working copy otherwise.</summary>
    public Pretrainer ComputeModel => _working?.Model ?? Model;

    /// <summary>Sets training or evaluation mode on the master and the working copy.</summary>
    public void Train(bool training = true)
    {
        Model.train(training);
        _working?.Model.train(training);
    }

    /// <summary>
    /// Forward and backward of one micro-batch; its gradients, times <paramref name="lossScale"/>,
    /// are added to the master's. Returns the (unscaled) loss.
    /// </summary>
    public double Accumulate(Tensor images, PretrainBatchInputs inputs, bool normPixLoss, double lossScale = 1.0)
    {
        double loss;
        using (var scope = NewDisposeScope())
        {
            var output = ComputeModel.Forward(images, inputs, normPixLoss);
            if (lossScale == 1.0) output.Loss.backward();
            else
            {
                using var scale = lossScale.ToScalar();
                output.Loss.mul(scale).backward();
            }
            loss = output.Loss.item<float>();
        }
        _working?.AccumulateGradients();
        return loss;
    }

    /// <summary>
    /// Reduces the master gradients over ranks (if distributed), checks them, clips them (if asked), takes the AdamW step, checks the weights,
    /// zeroes the gradients and refreshes the working copy. Throws <see cref="TrainingDivergedException"/>
    /// before the step, with nothing changed, when the gradients are not finite, and after it when a
    /// weight became non-finite: either way nothing non-finite can be saved as a good state.
    /// </summary>
    public void Update(double lr, double? clipGradNorm = null)
    {
        Reducer?.Reduce(Optimizer.Groups); // first, so that every rank sees the same gradients and decides alike
        double normSquared = Optimizer.GradientNormSquared();
        if (!double.IsFinite(normSquared))
        {
            Optimizer.ZeroGrad();
            throw new TrainingDivergedException($"the gradient norm is {Math.Sqrt(normSquared)} (a gradient is NaN, infinite or beyond float32's range)");
        }
        if (clipGradNorm is { } maxNorm) Optimizer.ClipGradients(maxNorm, normSquared);
        Optimizer.Step(lr);
        Optimizer.ZeroGrad();
        if (!Optimizer.IsFinite())
            throw new TrainingDivergedException($"the update (learning rate {lr:G3}, gradient norm {Math.Sqrt(normSquared):G3}) made weights non-finite");
        _working?.Refresh();
    }

    /// <summary>Restores master weights and optimiser state (a resumed run) and refreshes the working copy.</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> model, IReadOnlyDictionary<string, Tensor> optimizer, long steps)
    {
        Model.load_state_dict(model.ToDictionary(), strict: true);
        Optimizer.Load(optimizer, steps);
        _working?.Refresh();
    }

    public void Dispose()
    {
        _working?.Dispose();
        Optimizer.Dispose();
    }
}
