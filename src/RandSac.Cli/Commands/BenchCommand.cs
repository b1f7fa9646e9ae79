using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RandSac.Benchmarks;
using RandSac.Data;
using RandSac.Models;
using RandSac.Platform;
using RandSac.Training;

namespace RandSac.Cli.Commands;

/// <summary>
/// <c>randsac bench</c>: times the pre-training step (forward, backward, AdamW) of a
/// configuration on a fixed random batch, after waiting for an idle machine; with
/// <c>--loader</c> also the data path on the loader thread, against the step's rate.
/// </summary>
public static class BenchCommand
{
    /// <summary>How many times the step's image rate the loader must sustain.</summary>
    public const double LoaderHeadroom = 5.0;

    public static Command Create(CliContext context)
    {
        var shape = new ModelShapeOptions();
        var batch = new Option<int>("--batch") { Description = "Images per step.", DefaultValueFactory = _ => 64 };
        var precision = new Option<string>("--precision")
        {
            Description = $"Compute precision: {Precisions.Help}.",
            DefaultValueFactory = _ => "fp32",
        };
        var threads = new Option<int?>("--threads") { Description = $"Intra-op threads (default: the physical cores, {CpuThreads.PhysicalCores} here)." };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first.", DefaultValueFactory = _ => 3 };
        var steps = new Option<int>("--steps") { Description = "Timed steps.", DefaultValueFactory = _ => 10 };
        var noWait = new Option<bool>("--no-wait") { Description = "Time at once instead of waiting for an idle machine." };
        var maxWait = new Option<double>("--max-wait") { Description = "Seconds to wait for an idle machine at most.", DefaultValueFactory = _ => 1200 };
        var quiet = new Option<double>("--quiet") { Description = "Seconds the machine must stay idle before timing.", DefaultValueFactory = _ => 10 };
        var maxForeign = new Option<double>("--max-foreign")
        {
            Description = "Largest share of the CPUs other processes may use (idle test, and timed windows are repeated above it).",
            DefaultValueFactory = _ => 0.05,
        };
        var retries = new Option<int>("--retries") { Description = "Timed windows repeated at most when other processes used the CPUs.", DefaultValueFactory = _ => 3 };
        var loader = new Option<bool>("--loader") { Description = $"Also time the data path on the loader thread and check it sustains {LoaderHeadroom}× the step's rate." };
        var loaderBatches = new Option<int>("--loader-batches") { Description = "Batches the loader benchmark prepares.", DefaultValueFactory = _ => 20 };
        var dataset = new Option<DatasetKind?>("--dataset") { Description = "Dataset of the loader benchmark: synthetic (default), cifar10, cifar100, folder." };
        var data = new Option<DirectoryInfo?>("--data") { Description = "Folder of the loader benchmark's dataset." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };

        var command = new Command("bench", "Time the pre-training step (and with --loader the data path) of a configuration.")
        {
            batch, precision, threads, warmup, steps, noWait, maxWait, quiet, maxForeign, retries, loader, loaderBatches, dataset, data, json,
        };
        shape.AddTo(command);
        command.SetAction((parse, cancel) =>
        {
            var (options, segments, order) = shape.Read(parse);
            var parallel = context.Ranks();
            if (parallel.IsDistributed && parse.GetValue(loader))
                throw new UserInputException("--loader times one process's loader thread; run it without an MPI launcher");
            var idle = parse.GetValue(noWait)
                ? null
                : new IdlePolicy(Seconds(parse.GetValue(quiet), "--quiet"), Seconds(parse.GetValue(maxWait), "--max-wait"),
                    parse.GetValue(maxForeign), parse.GetValue(retries));
            if (idle is not null && (idle.MaxForeign is <= 0 or >= 1 || idle.Retries < 0))
                throw new UserInputException("--max-foreign must be in (0, 1) and --retries not negative");
            var settings = new StepBenchmarkSettings(options, segments, order, parse.GetValue(batch),
                Precisions.Parse(parse.GetValue(precision)!), parse.GetValue(threads) ?? parallel.DefaultThreads ?? CpuThreads.PhysicalCores,
                parse.GetValue(warmup), parse.GetValue(steps), idle).Validated();
            LoaderBenchmarkResult? loaderResult = null;
            if (parse.GetValue(loader))
            {
                var spec = new DatasetSpec { Kind = parse.GetValue(dataset) ?? DatasetKind.Synthetic, ImageSize = options.Encoder.ImageHeight };
                if (parse.GetValue(data) is { } folder) spec = spec with { Path = folder.FullName };
                TorchSharp.torch.set_num_threads(settings.Threads);
                loaderResult = LoaderBenchmark.Run(spec, options, segments, order, settings.Batch, parse.GetValue(loaderBatches), cancel);
            }
            parallel.LocalBatch(settings.Batch);
            // Waiting and retry notes come from rank 0 alone, like the rest of the report.
            Action<string>? log = parallel.IsWriter ? message => context.Error.WriteLine($"randsac: {message}") : null;
            var result = StepBenchmark.Run(settings, log, cancel, parallel);
            string label = ModelShapeOptions.Describe(options, segments, order);
            var tuning = NativeTuning.Apply();
            if (parse.GetValue(json)) context.Out.WriteLine(Json(label, result, loaderResult, tuning));
            else Print(context, label, result, loaderResult, tuning);
            return Task.FromResult(0);
        });
        return command;
    }

    static TimeSpan Seconds(double value, string option) => value >= 0
        ? TimeSpan.FromSeconds(value)
        : throw new UserInputException($"{option} must not be negative, got {value}");

    static void Print(CliContext context, string label, StepBenchmarkResult r, LoaderBenchmarkResult? loader, (string Mkl, string Allocator) tuning)
    {
        var s = r.Settings;
        var o = context.Out;
        var ic = CultureInfo.InvariantCulture;
        if (r.Ranks > 1)
            o.WriteLine(string.Create(ic, $"bench: {label} · batch {s.Batch} over {r.Ranks} ranks ({s.Batch / r.Ranks} each) · {s.Precision.Name()} · {s.Threads} thread(s) per rank"));
        else
            o.WriteLine(string.Create(ic, $"bench: {label} · batch {s.Batch} · {s.Precision.Name()} · {s.Threads} thread(s)"));
        o.WriteLine(string.Create(ic, $"tokens per image: encoder {r.Cost.Lengths.Encoder:0.##}, decoder {r.Cost.Lengths.Decoder:0.##}; {r.Cost.Parameters / 1e6:F2}M parameters; {r.Cost.TrainFlopsPerImage / 1e9:F3} GFLOP per training image"));
        o.WriteLine(string.Create(ic, $"step: median {r.MedianSeconds * 1e3:F1} ms (min {r.MinSeconds * 1e3:F1}, max {r.MaxSeconds * 1e3:F1}) over {s.Steps} steps after {s.Warmup} warm-up"));
        o.WriteLine(string.Create(ic, $"throughput: {r.ImagesPerSecond:F1} images/s"));
        o.WriteLine(string.Create(ic, $"achieved: {r.AchievedGflops:F1} GFLOP/s = {r.ShareOfPeak:P0} of the {s.Precision.Name()} matmul peak"));
        o.WriteLine(string.Create(ic, $"matmul peak 1024³: fp32 {r.MatmulPeakFp32:F1} GFLOP/s, bf16 {r.MatmulPeakBf16:F1} GFLOP/s"));
        o.WriteLine($"fp32 matmul kernels: {tuning.Mkl}; allocator: {tuning.Allocator}");
        o.WriteLine(string.Create(ic, $"optimiser: {r.OptimizerShare * r.MedianSeconds * 1e3:F1} ms per step ({r.OptimizerShare:P1} of the step{(r.Ranks > 1 ? ", with the Allreduce" : "")})"));
        if (r.Ranks > 1)
            o.WriteLine(string.Create(ic, $"allreduce: {r.ReduceSecondsPerStep * 1e3:F1} ms per step ({r.ReduceSecondsPerStep / r.MeanSeconds:P1} of the mean step), {r.ReducedElements * 4 / 1048576.0:F1} MiB of float32 gradients"));
        o.WriteLine(string.Create(ic, $"cpu time: {r.CpuSecondsPerStep * 1e3:F1} ms per step ({r.CpuSecondsPerStep / r.MeanSeconds:F2} cores busy on average{(r.Ranks > 1 ? ", all ranks" : "")})"));
        o.WriteLine(string.Create(ic, $"peak memory (VmHWM): {(r.PeakResidentBytes is { } b ? $"{b / 1048576.0:F0} MiB" : "unknown")}"));
        o.WriteLine(string.Create(ic, $"foreign CPU: {r.ForeignCpuShare:P1} of the CPUs during the timed steps; waited {r.IdleWait.TotalSeconds:F0} s for an idle machine{(s.Idle is not null && !r.MachineWasIdle ? " and it never became idle" : "")}; {r.Tries} timed window(s)"));
        if (loader is not null)
        {
            double ratio = loader.ImagesPerSecond / r.ImagesPerSecond;
            o.WriteLine(string.Create(ic, $"loader: {loader.ImagesPerSecond:F0} images/s on one thread ({loader.Batches} batches) = {ratio:F1}× the step's {r.ImagesPerSecond:F1} images/s; {(ratio >= LoaderHeadroom ? "ok" : "BELOW")} the {LoaderHeadroom}× needed"));
        }
    }

    static string Json(string label, StepBenchmarkResult r, LoaderBenchmarkResult? loader, (string Mkl, string Allocator) tuning)
    {
        var s = r.Settings;
        var fields = new Dictionary<string, object?>
        {
            ["config"] = label,
            ["method"] = s.Options.Method.Name(),
            ["segments"] = s.Segments,
            ["order"] = s.Order,
            ["skip"] = s.Options.Skip,
            ["image_size"] = s.Options.Encoder.ImageHeight,
            ["patch"] = s.Options.Encoder.PatchSize,
            ["batch"] = s.Batch,
            ["precision"] = s.Precision.Name(),
            ["threads"] = s.Threads,
            ["ranks"] = r.Ranks,
            ["allreduce_ms"] = r.ReduceSecondsPerStep * 1e3,
            ["reduced_floats"] = r.ReducedElements,
            ["warmup"] = s.Warmup,
            ["steps"] = s.Steps,
            ["encoder_tokens"] = r.Cost.Lengths.Encoder,
            ["decoder_tokens"] = r.Cost.Lengths.Decoder,
            ["parameters"] = r.Cost.Parameters,
            ["train_flops_per_image"] = r.Cost.TrainFlopsPerImage,
            ["ms_median"] = r.MedianSeconds * 1e3,
            ["ms_min"] = r.MinSeconds * 1e3,
            ["ms_max"] = r.MaxSeconds * 1e3,
            ["ms_mean"] = r.MeanSeconds * 1e3,
            ["images_per_s"] = r.ImagesPerSecond,
            ["achieved_gflops"] = r.AchievedGflops,
            ["share_of_peak"] = r.ShareOfPeak,
            ["matmul_peak_fp32_gflops"] = r.MatmulPeakFp32,
            ["matmul_peak_bf16_gflops"] = r.MatmulPeakBf16,
            ["fp32_matmul_kernels"] = tuning.Mkl,
            ["allocator"] = tuning.Allocator,
            ["optimizer_ms"] = r.OptimizerShare * r.MedianSeconds * 1e3,
            ["optimizer_share"] = r.OptimizerShare,
            ["peak_rss_mib"] = r.PeakResidentBytes / 1048576.0,
            ["foreign_cpu"] = double.IsNaN(r.ForeignCpuShare) ? null : r.ForeignCpuShare,
            ["idle_wait_s"] = r.IdleWait.TotalSeconds,
            ["machine_idle"] = r.MachineWasIdle,
            ["tries"] = r.Tries,
            ["final_loss"] = r.FinalLoss,
            ["cpu_ms_per_step"] = r.CpuSecondsPerStep * 1e3,
            ["step_ms"] = r.StepSeconds.Select(t => t * 1e3).ToList(),
        };
        if (loader is not null)
        {
            fields["loader_images_per_s"] = loader.ImagesPerSecond;
            fields["loader_batches"] = loader.Batches;
            fields["loader_ratio"] = loader.ImagesPerSecond / r.ImagesPerSecond;
            fields["loader_ok"] = loader.ImagesPerSecond >= LoaderHeadroom * r.ImagesPerSecond;
        }
        return JsonSerializer.Serialize(fields);
    }
}
