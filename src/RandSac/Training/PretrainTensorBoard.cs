using RandSac.Data;
using RandSac.IO.TensorBoard;
using RandSac.Models;
using RandSac.Pictures;

namespace RandSac.Training;

/// <summary>
/// TensorBoard logging of a pre-training run, in the run folder: loss, learning rate, images/s
/// and the probe's reading against the optimiser step, and the reconstruction picture of a few
/// fixed training images, under fixed plans (or MAE masks), every
/// <see cref="PretrainConfig.TensorBoardImageEvery"/> steps and at the last step. The picture
/// is drawn in eval mode without touching torch's generator, so logging never changes the run.
/// </summary>
public sealed class PretrainTensorBoard : IDisposable
{
    public const string LossTag = "train/loss", LrTag = "train/lr", ImagesPerSecondTag = "train/images_per_s",
        ProbeTagPrefix = "probe/", ReconstructionTag = "reconstruction";
    const int PictureImages = 8, PictureSide = 128;

    readonly EventFileWriter _writer;
    readonly PretrainConfig _config;
    readonly ImageDataset _dataset;
    readonly PretrainBatchInputs _inputs;
    readonly int[] _indices;
    readonly long _stopStep;
    readonly int _every;

    /// <param name="startStep">The step the run starts from; events of earlier files past it are dropped.</param>
    public PretrainTensorBoard(string folder, PretrainConfig config, PretrainOptions options, ImageDataset dataset,
        long startStep, long stopStep)
    {
        _config = config;
        _dataset = dataset;
        _stopStep = stopStep;
        _every = config.TensorBoardImageEvery ?? config.CheckpointEvery;
        int count = Math.Min(PictureImages, dataset.Count);
        _indices = Enumerable.Range(0, count).Select(i => (int)((long)i * dataset.Count / count)).ToArray();
        // A sampler of its own: the loader thread is using the run's.
        _inputs = PretrainerFactory.CreateInputSampler(options, config.Segments, config.Order).Sample(count, seed: 0);
        _writer = new EventFileWriter(folder, keepThroughStep: startStep);
    }

    public void Write(StepMetrics m, Pretrainer model)
    {
        if (m.Probe is { } probe)
            _writer.Scalars(m.Step, (LossTag, m.Loss), (LrTag, m.Lr), (ImagesPerSecondTag, m.ImagesPerSecond), (ProbeTagPrefix + probe.Name, probe.Value));
        else
            _writer.Scalars(m.Step, (LossTag, m.Loss), (LrTag, m.Lr), (ImagesPerSecondTag, m.ImagesPerSecond));
        if (m.Step % _every == 0 || m.Step >= _stopStep) _writer.Image(ReconstructionTag, m.Step, Picture(model, m.Step));
    }

    byte[] Picture(Pretrainer model, long step)
    {
        List<Reconstruction.Image> images;
        try
        {
            images = Reconstruction.Run(model, _dataset, _indices, _inputs, _config.NormPixLoss, _config.Patch);
        }
        finally
        {
            model.train();
        }
        var plans = Enumerable.Range(0, _indices.Length).Select(i => _inputs.Plan?.Images[i]).ToList();
        var caption = new List<string> { $"{_config.Method} · {_config.Model} · {_config.Segments} · {_config.Order} · {_dataset.Name} · step {step}" };
        if (_config.NormPixLoss)
            caption.Add("norm-pix loss: predictions are un-normalised with each target patch's own mean and variance");
        using var picture = ReconstructionPicture.Draw(images, plans, _dataset.Channels, _dataset.Height, _dataset.Width,
            _config.Patch, Math.Max(1, PictureSide / _dataset.Height), caption);
        return Png.Encode(picture);
    }

    public void Dispose()
    {
        _writer.Dispose();
        _inputs.Dispose();
    }
}
