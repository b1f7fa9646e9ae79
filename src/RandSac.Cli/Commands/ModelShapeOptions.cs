using System.CommandLine;
using RandSac.Models;

namespace RandSac.Cli.Commands;

/// <summary>
/// The options that choose a pre-training configuration without a dataset (bench, flops):
/// method, encoder preset, image and patch size, decoder, skip, segments and order.
/// </summary>
public sealed class ModelShapeOptions
{
    readonly Option<string> _model = new("--model")
    {
        Description = $"Encoder preset: {string.Join(" | ", ViTConfig.PresetNames)}.",
        DefaultValueFactory = _ => "tiny",
    };

    readonly Option<string> _method = new("--method")
    {
        Description = $"Pre-training method: {PretrainMethods.Help}.",
        DefaultValueFactory = _ => "randsac",
    };

    readonly Option<int> _imageSize = new("--image-size") { Description = "Square image size in pixels.", DefaultValueFactory = _ => 32 };
    readonly Option<int> _patch = CommonOptions.Patch();
    readonly Option<string> _segments = CommonOptions.Segments();
    readonly Option<string> _order = CommonOptions.Order();
    readonly Option<int> _decoderDepth = new("--decoder-depth") { Description = "Decoder layers.", DefaultValueFactory = _ => 4 };

    readonly Option<bool> _skip = new("--skip")
    {
        Description = "RandSAC's trainable skip connections: true | false.",
        DefaultValueFactory = _ => true,
        Arity = ArgumentArity.ZeroOrOne,
    };

    readonly Option<double> _maskRatio = new("--mask-ratio") { Description = "MAE's masking ratio.", DefaultValueFactory = _ => 0.75 };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _model, _method, _imageSize, _patch, _segments, _order, _decoderDepth, _skip, _maskRatio })
            command.Options.Add(option);
    }

    /// <summary>The configuration asked for; throws a one-line error for anything unusable.</summary>
    public (PretrainOptions Options, string Segments, string Order) Read(ParseResult parse)
    {
        int imageSize = parse.GetValue(_imageSize), patch = parse.GetValue(_patch);
        if (imageSize <= 0) throw new UserInputException($"--image-size must be positive, got {imageSize}");
        if (patch <= 0) throw new UserInputException($"--patch must be positive, got {patch}");
        if (imageSize % patch != 0) throw new UserInputException($"--patch {patch} does not divide --image-size {imageSize}");
        var options = new PretrainOptions(
            PretrainMethods.Parse(parse.GetValue(_method)!),
            ViTConfig.Preset(parse.GetValue(_model)!, patch, 3, imageSize),
            new DecoderConfig(parse.GetValue(_decoderDepth)),
            parse.GetValue(_skip),
            parse.GetValue(_maskRatio));
        string segments = parse.GetValue(_segments)!, order = parse.GetValue(_order)!;
        if (options.Method.UsesSegmentPlan())
            _ = PretrainerFactory.CreateInputSampler(options, segments, order); // rejects specs that do not fit the grid
        else
            _ = new MaeMaskSampler(options.Encoder.TokenCount, options.MaskRatio);
        return (options, segments, order);
    }

    /// <summary>A short label of a configuration, e.g. "randsac tiny 32/p4 square:2 hier:4 skip".</summary>
    public static string Describe(PretrainOptions options, string segments, string order)
    {
        var e = options.Encoder;
        string shape = $"{options.Method.Name()} {PresetName(e)} {e.ImageHeight}/p{e.PatchSize}";
        return options.Method switch
        {
            PretrainMethod.Mae => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{shape} mask {options.MaskRatio * 100:0.#}%"),
            PretrainMethod.RandSac => $"{shape} {segments} {order} {(options.Skip ? "skip" : "no skip")}",
            _ => $"{shape} {segments} {order}",
        };
    }

    static string PresetName(ViTConfig e) => ViTConfig.PresetNames.FirstOrDefault(n =>
        ViTConfig.Preset(n, e.PatchSize, e.Channels, e.ImageHeight) == e) ?? $"{e.Dim}/{e.Depth}/{e.Heads}";
}
