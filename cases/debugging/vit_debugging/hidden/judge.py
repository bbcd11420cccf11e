"""Judge of vit_debugging (trusted: runs no agent code). It draws model weights, images and masks from the
grading seed, runs the probes' own recipe (probes.compute) on the bug-free reference package and compares the
agent's outputs, features, intermediate layers and gradients with it."""
import torch
from mldb_judge import Checks, close

import probes
from reference_dino_v2.models import vision_transformer as ref_vt

FFN_LAYERS = ("mlp", "swiglufused")
CHECKS = [
    ("state dict names and shapes are a standard DINOv2's (mlp and swiglufused)", ["shapes_mlp", "shapes_swiglufused"]),
    ("eval and is_training forward equal the reference on grading-time weights and images "
     "(mlp / swiglufused, 0 / 4 registers, two image sizes)", [f"forward_{f}_{r}" for f in FFN_LAYERS for r in (0, 4)]),
    ("masked forward equals the reference (a masked token is mask_token plus its position embedding)", ["masked"]),
    ("dynamic_patch_size gives that patch size's grid: feature, output, masked and intermediate shapes equal the "
     "reference's and are finite (values are not compared: how other patch sizes are embedded is left open)",
     ["dynamic"]),
    ("get_intermediate_layers equals the reference (block_chunks 0 and 1)", ["intermediate_0", "intermediate_1"]),
    ("gradients of the patch kernel, position embedding, class, register and mask tokens equal the reference's",
     ["gradients"]),
]


def inputs(seed, profile):
    generator = torch.Generator().manual_seed(seed)

    def images(size, batch=2):
        return torch.randn(batch, 3, size, size, generator=generator)

    def weights(ffn="mlp", registers=0, **extra):
        config = {**dict(img_size=224, patch_size=16, embed_dim=96, depth=4, num_heads=3, ffn_layer=ffn,
                         num_register_tokens=registers, init_values=1.0, block_chunks=1), **extra}
        torch.manual_seed(int(torch.randint(2**31, (1,), generator=generator)))
        model = ref_vt.DinoVisionTransformer(**config)
        with torch.no_grad():  # every parameter away from its init (zero biases, unit scales, zero tokens)
            for name, p in model.named_parameters():
                scale = 0.5 if name in ("cls_token", "mask_token", "register_tokens", "pos_embed") else 0.02
                p.add_(torch.randn(p.shape, generator=generator) * scale)
        return {"config": config, "state_dict": model.state_dict()}

    def pick(options):
        return options[int(torch.randint(len(options), (1,), generator=generator))]

    entries = {f"shapes_{f}": {"kind": "shapes", "config": dict(embed_dim=384, num_heads=6, patch_size=16,
               num_register_tokens=4, ffn_layer=f, depth=2, init_values=1.0)} for f in FFN_LAYERS}
    for f in FFN_LAYERS:
        for r in (0, 4):
            entries[f"forward_{f}_{r}"] = {"kind": "forward", **weights(f, r),
                                           "images": [images(224), images(pick([128, 160, 192]))]}
    entries["masked"] = {"kind": "masked", **weights("mlp", 4), "x": images(224),
                         "masks": torch.rand(2, 196, generator=generator) < 0.5}
    entries["dynamic"] = {"kind": "dynamic", **weights("swiglufused", 2), "x": images(224),
                          "patch_sizes": [14, 16, 32, pick([8, 28])]}
    for chunks in (0, 1):
        n = [0, pick([3, 4, 5])]
        kwargs = [dict(n=k, reshape=True, return_class_token=True, norm=norm) for k in (2, n) for norm in (True, False)]
        entries[f"intermediate_{chunks}"] = {"kind": "intermediate", **weights("mlp", 4, depth=6, block_chunks=chunks),
                                             "x": images(128), "kwargs": kwargs}
    entries["gradients"] = {"kind": "gradients", **weights("mlp", 4), "x": images(224),
                            "masks": torch.rand(2, 196, generator=generator) < 0.3}
    return {"probes": list(entries), "entries": entries}


def same(got, want, what, rtol, atol):
    """`got` (an observation) has the structure of `want` (the reference's) and equal values within tolerance."""
    if isinstance(want, torch.Tensor):
        assert isinstance(got, torch.Tensor), f"{what}: a {type(got).__name__}, expected a tensor"
        close(got, want, rtol=rtol, atol=atol, scale_atol=True, what=what)
    elif isinstance(want, dict):
        assert isinstance(got, dict), f"{what}: a {type(got).__name__}, expected a dict"
        missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
        assert not missing and not extra, f"{what}: missing {missing[:5]}, unexpected {extra[:5]}"
        for key in want:
            same(got[key], want[key], f"{what}.{key}", rtol, atol)
    elif isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)), f"{what}: a {type(got).__name__}, expected a list"
        assert len(got) == len(want), f"{what}: {len(got)} items, expected {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            same(g, w, f"{what}[{i}]", rtol, atol)
    else:
        assert got == want, f"{what}: {got!r}, expected {want!r}"


def same_shapes(got, want, what):
    """`got` has the structure and tensor shapes of `want`, and its tensors are finite."""
    if isinstance(want, torch.Tensor):
        assert isinstance(got, torch.Tensor), f"{what}: a {type(got).__name__}, expected a tensor"
        assert got.shape == want.shape, f"{what}: shape {tuple(got.shape)}, expected {tuple(want.shape)}"
        assert bool(torch.isfinite(got).all()), f"{what}: non-finite values"
    elif isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), f"{what}: keys {list(got)[:6]}, expected {list(want)}"
        for key in want:
            same_shapes(got[key], want[key], f"{what}.{key}")
    else:
        assert isinstance(got, (list, tuple)) and len(got) == len(want), f"{what}: not a list of {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            same_shapes(g, w, f"{what}[{i}]")


def judge(inputs, observed, profile):
    checks = Checks()
    for title, names in CHECKS:
        with checks.check(title):
            for name in names:
                got, want = observed.need(name), probes.compute(ref_vt, name, inputs)
                if name == "dynamic":
                    same_shapes(got, want, name)
                    continue
                loose = name == "gradients"
                same(got, want, name, rtol=1e-3 if loose else 1e-4, atol=1e-4 if loose else 1e-5)
    return checks
