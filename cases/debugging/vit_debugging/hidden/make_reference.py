"""Compute what test_hidden.py compares against, with the bug-free reference package only.

Runs in its own process (no agent code is ever imported here): builds each model configuration from
`reference_dino_v2` (beside this script) with seeded random weights, runs it on seeded inputs and saves
configs, weights, inputs and outputs with torch.save to the path given as the first argument.
Prints one JSON line.
"""
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_dino_v2.models import vision_transformer as ref_vt  # noqa: E402

FFN_LAYERS = ("mlp", "swiglufused")
FEATURE_KEYS = ("x_norm_clstoken", "x_norm_regtokens", "x_norm_patchtokens", "x_prenorm")


def config(ffn_layer="mlp", registers=0, **extra) -> dict:
    base = dict(img_size=224, patch_size=16, embed_dim=96, depth=4, num_heads=3, ffn_layer=ffn_layer,
                num_register_tokens=registers, init_values=1.0, block_chunks=1)
    base.update(extra)
    return base


def seeded(cfg: dict, seed: int):
    """A reference model with seeded weights; tokens that start near zero get distinct random values."""
    torch.manual_seed(seed)
    model = ref_vt.DinoVisionTransformer(**cfg).eval()
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name in ("cls_token", "mask_token", "register_tokens"):
            param = getattr(model, name)
            if param is not None:
                param.copy_(torch.randn(param.shape, generator=generator) * 0.5)
    return model


def images(batch=2, size=224, seed=0) -> torch.Tensor:
    return torch.randn(batch, 3, size, size, generator=torch.Generator().manual_seed(100 + seed))


def features(out: dict) -> dict:
    return {k: out[k].clone() for k in FEATURE_KEYS}


def state_dict_shapes() -> dict:
    shapes = {}
    for ffn in FFN_LAYERS:
        torch.manual_seed(0)
        model = ref_vt.DinoVisionTransformer(embed_dim=384, num_heads=6, patch_size=16, num_register_tokens=4,
                                             ffn_layer=ffn, depth=2, init_values=1.0)
        shapes[ffn] = {k: list(v.shape) for k, v in model.state_dict().items()}
    return shapes


@torch.no_grad()
def forward_cases() -> dict:
    out = {}
    for ffn in FFN_LAYERS:
        models = []
        for registers in (0, 4):
            cfg = config(ffn, registers)
            model = seeded(cfg, seed=0)
            cases = []
            for size in (224, 160):
                x = images(size=size)
                cases.append({"size": size, "x": x, "eval": model(x).clone(), "feats": features(model(x, is_training=True))})
            models.append({"config": cfg, "state_dict": model.state_dict(), "cases": cases})
        out[ffn] = models
    return out


@torch.no_grad()
def masked_case() -> dict:
    cfg = config("mlp", 4)
    model = seeded(cfg, seed=7)
    x = images(seed=3)
    masks = torch.rand(2, 196, generator=torch.Generator().manual_seed(11)) < 0.5
    return {"config": cfg, "state_dict": model.state_dict(), "x": x, "masks": masks,
            "feats": features(model(x, masks=masks, is_training=True))}


@torch.no_grad()
def dynamic_case() -> dict:
    cfg = config("swiglufused", 2)
    model = seeded(cfg, seed=3)
    x = images()
    cases = {p: {"feats": features(model(x, is_training=True, dynamic_patch_size=p)),
                 "eval": model(x, dynamic_patch_size=p).clone()} for p in (14, 32)}
    return {"config": cfg, "state_dict": model.state_dict(), "x": x, "cases": cases}


@torch.no_grad()
def intermediate_cases() -> dict:
    out = {}
    for block_chunks in (0, 1):
        cfg = config("mlp", 4, depth=6, block_chunks=block_chunks)
        model = seeded(cfg, seed=5)
        x = images(size=128, seed=5)
        cases = []
        for n in (2, [0, 5]):
            for norm in (True, False):
                kwargs = dict(n=n, reshape=True, return_class_token=True, norm=norm)
                pairs = model.get_intermediate_layers(x, **kwargs)
                cases.append({"kwargs": kwargs, "outputs": [[p.clone(), c.clone()] for p, c in pairs]})
            kwargs = dict(n=n, dynamic_patch_size=32)
            cases.append({"kwargs": kwargs, "outputs": [o.clone() for o in model.get_intermediate_layers(x, **kwargs)]})
        out[block_chunks] = {"config": cfg, "state_dict": model.state_dict(), "x": x, "cases": cases}
    return out


def main() -> None:
    target = Path(sys.argv[1])
    data = {
        "state_dict_shapes": state_dict_shapes(),
        "forward": forward_cases(),
        "masked": masked_case(),
        "dynamic": dynamic_case(),
        "intermediate": intermediate_cases(),
        "gradients": {"config": config("mlp", 4), "state_dict": seeded(config("mlp", 4), seed=9).state_dict()},
    }
    torch.save(data, target)
    print(json.dumps({"ok": True, "path": str(target), "bytes": target.stat().st_size}))


if __name__ == "__main__":
    main()
