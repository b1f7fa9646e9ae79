"""Golden files for RandSac's timm import and export, made with timm's own VisionTransformer.

Run by make_timm_fixtures.sh (which first writes the RandSac export this script reads) with
PyTorch and a timm source tree on PYTHONPATH:

    python3 make_timm_fixtures.py OUT_DIR

Writes into OUT_DIR:
  vit-cls.pth                 a tiny timm ViT (class token, learned pos_embed, 10-class head), state dict
  vit-cls/model.safetensors   the same weights without the head, with timm's config.json beside them
  mae-style.pth               the same encoder as MAE saves it: {'model': encoder + decoder tensors}
  vit-cls-outputs.safetensors fixed inputs and timm's pooled outputs: class token, patch mean,
                              and the patch mean on larger inputs with timm's resampled pos_embed
  randsac-export-outputs.safetensors  timm's patch-mean outputs for the RandSac export in
                              randsac-export/, loaded with VisionTransformer(**model_args), strict=True
"""
import json
import os
import struct
import sys

import timm
import torch
from timm.layers import resample_abs_pos_embed
from timm.models.vision_transformer import Block, VisionTransformer

DTYPES = {torch.float32: "F32", torch.int64: "I64"}
NAMES = {v: k for k, v in DTYPES.items()}


def save_safetensors(path, tensors, metadata=None):
    """The safetensors layout (header length, JSON header, raw little-endian data)."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, tensor in tensors.items():
        data = tensor.detach().contiguous().numpy().tobytes()
        header[name] = {"dtype": DTYPES[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)


def load_safetensors(path):
    with open(path, "rb") as f:
        length = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(length))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        dtype = NAMES[entry["dtype"]]
        tensors[name] = torch.frombuffer(bytearray(data[start:end]), dtype=dtype).reshape(entry["shape"]).clone()
    return tensors


def randomise(model, generator):
    """Every parameter drawn at random (not timm's init, whose zero biases and unit norms hide mistakes)."""
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.3)


def tiny_vit(img_size, global_pool, num_classes=0):
    return VisionTransformer(img_size=img_size, patch_size=4, in_chans=3, embed_dim=32, depth=2, num_heads=4,
                             mlp_ratio=4.0, qkv_bias=True, class_token=True, global_pool=global_pool,
                             fc_norm=False, num_classes=num_classes)


def pooled(model, images):
    """timm's pooled features: forward_features, then forward_head without a classifier."""
    with torch.no_grad():
        return model.forward_head(model.forward_features(images), pre_logits=True)


def imported_vit(out):
    generator = torch.Generator().manual_seed(10)
    classifier = tiny_vit(16, "token", num_classes=10)
    randomise(classifier, generator)
    state = classifier.state_dict()
    torch.save(state, os.path.join(out, "vit-cls.pth"))

    encoder_state = {k: v for k, v in state.items() if not k.startswith("head.")}
    folder = os.path.join(out, "vit-cls")
    os.makedirs(folder, exist_ok=True)
    save_safetensors(os.path.join(folder, "model.safetensors"), encoder_state, {"format": "pt"})
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump({"architecture": "vit_tiny_test", "num_classes": 0,
                   "model_args": {"img_size": 16, "patch_size": 4, "in_chans": 3, "embed_dim": 32, "depth": 2,
                                  "num_heads": 4, "class_token": True, "global_pool": "token", "fc_norm": False},
                   "pretrained_cfg": {"input_size": [3, 16, 16], "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25],
                                      "interpolation": "bicubic"}}, f, indent=2)

    # MAE keeps its encoder at the top level of {'model': ...} with its decoder beside it.
    decoder_dim, patch_dim, tokens = 16, 4 * 4 * 3, 16
    decoder = torch.nn.ModuleDict({
        "decoder_embed": torch.nn.Linear(32, decoder_dim),
        "decoder_blocks": torch.nn.ModuleList([Block(decoder_dim, 2, 4.0, qkv_bias=True)]),
        "decoder_norm": torch.nn.LayerNorm(decoder_dim, eps=1e-6),
        "decoder_pred": torch.nn.Linear(decoder_dim, patch_dim),
    })
    randomise(decoder, generator)
    mae = dict(encoder_state)
    mae.update(decoder.state_dict())
    mae["mask_token"] = torch.randn(1, 1, decoder_dim, generator=generator)
    mae["decoder_pos_embed"] = torch.zeros(1, 1 + tokens, decoder_dim)
    torch.save({"model": mae}, os.path.join(out, "mae-style.pth"))

    token_model = tiny_vit(16, "token").eval()
    token_model.load_state_dict(encoder_state, strict=True)
    avg_model = tiny_vit(16, "avg").eval()
    avg_model.load_state_dict(encoder_state, strict=True)
    # timm's own route to another image size: resample pos_embed as its checkpoint filter does.
    large_model = tiny_vit(24, "avg").eval()
    large_state = dict(encoder_state)
    large_state["pos_embed"] = resample_abs_pos_embed(encoder_state["pos_embed"], [6, 6], num_prefix_tokens=1)
    large_model.load_state_dict(large_state, strict=True)

    images = torch.randn(3, 3, 16, 16, generator=generator)
    large = torch.randn(2, 3, 24, 24, generator=generator)
    save_safetensors(os.path.join(out, "vit-cls-outputs.safetensors"), {
        "images": images, "token": pooled(token_model, images), "avg": pooled(avg_model, images),
        "images24": large, "avg24": pooled(large_model, large), "pos_embed24": large_state["pos_embed"],
    })


def randsac_export(out):
    folder = os.path.join(out, "randsac-export")
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    state = load_safetensors(os.path.join(folder, "model.safetensors"))
    model = VisionTransformer(**config["model_args"], num_classes=config["num_classes"]).eval()
    model.load_state_dict(state, strict=True)
    # What timm >= 1.0 does for 'local-dir:' folders: create the architecture with model_args on top.
    created = timm.create_model(config["architecture"], pretrained=False, num_classes=config["num_classes"],
                                **config["model_args"]).eval()
    created.load_state_dict(state, strict=True)
    size = config["pretrained_cfg"]["input_size"]
    images = torch.randn(4, *size, generator=torch.Generator().manual_seed(11))
    features = pooled(model, images)
    with torch.no_grad():
        assert torch.equal(features, model(images)), "forward differs from forward_features + forward_head"
        assert torch.equal(features, created(images)), "create_model's model differs"
    save_safetensors(os.path.join(out, "randsac-export-outputs.safetensors"), {"images": images, "features": features})


if __name__ == "__main__":
    target = sys.argv[1]
    imported_vit(target)
    randsac_export(target)
