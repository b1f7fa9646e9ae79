using RandSac.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RandSac.Evaluation;

/// <summary>
/// The fine-tuning model: the encoder's features (all tokens, final LayerNorm, mean pooling)
/// and a Linear head (weight trunc-normal std 2e-5, bias 0, as MAE). MAE's global pooling
/// instead averages the un-normed tokens and applies a separate <c>fc_norm</c>; we keep the
/// encoder's own final norm before pooling, so the features fine-tuned are the ones evaluated
/// everywhere else. Names: <c>encoder.*</c>, <c>head</c>.
/// </summary>
public sealed class Classifier : Module<Tensor, Tensor>
{
    readonly VisionTransformer encoder;
    readonly Linear head;

    /// <summary>Wraps <paramref name="encoder"/> (disposing the classifier disposes it); draws the head from torch's global generator.</summary>
    public Classifier(VisionTransformer encoder, int classes) : base(nameof(Classifier))
    {
        this.encoder = encoder;
        head = Linear(encoder.Config.Dim, classes);
        using (no_grad())
        {
            init.trunc_normal_(head.weight!, std: 2e-5);
            init.zeros_(head.bias!);
        }
        RegisterComponents();
    }

    public VisionTransformer Encoder => encoder;

    /// <summary>images (B, C, H, W) → logits (B, classes).</summary>
    public override Tensor forward(Tensor images) => head.forward(encoder.Features(images));
}
