"""timm model-zoo stand-ins: seeded random weights of the real architectures, in the layout of the timm
organisation's Hugging Face repos (`timm/<model>.<tag>`: config.json + model.safetensors), so that
`timm.create_model("<model>.<tag>", pretrained=True)` and `timm.create_model("hf-hub:timm/<model>.<tag>")`
load them through the HF endpoint unchanged. Weights are stored in float16 (timm copies them into the
float32 parameters on load) to halve the download; the architecture and every shape are the real ones.
"""
from __future__ import annotations

import json
from pathlib import Path


def _generate(out: Path, seed: int, name: str) -> dict:
    import timm
    import torch
    from timm.models._hub import save_for_hf
    torch.manual_seed(seed)
    model = timm.create_model(name, pretrained=False).eval()
    num_parameters = sum(p.numel() for p in model.parameters())
    model.half()
    save_for_hf(model, str(out), safe_serialization=True)
    cfg = json.loads((out / "config.json").read_text())
    (out / "config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    return {"model": name, "architecture": cfg.get("architecture"), "num_parameters": num_parameters,
            "dtype": "float16", "timm": timm.__version__}


def generate_vit_small(out: Path, seed: int, deps: dict) -> dict:
    return _generate(out, seed, "vit_small_patch16_224.augreg_in21k_ft_in1k")


def generate_convnext_tiny(out: Path, seed: int, deps: dict) -> dict:
    return _generate(out, seed, "convnext_tiny.fb_in22k_ft_in1k")
