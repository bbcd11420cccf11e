"""Judge (trusted, CPU, offline): load the saved model (a collected copy, read as data: a save_pretrained folder
or a state dict in the served architecture of model.name; config JSON, safetensors or weights_only torch.load,
no remote code) and compare it with the served weights of model.name.

usage: check_model.py <model dir or state-dict file> <reference dir (served files of model.name; may be empty)>
Prints {"num_labels", "logits_shape", "parameters", "matched_fraction", "relative_l2", "prefix"}, or {"error"}
when the model does not load or run.
"""
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file
from transformers import AutoConfig, AutoModel, AutoModelForImageClassification

WEIGHTS = (".safetensors", ".bin", ".pt", ".pth")

STATS = ("running_mean", "running_var", "num_batches_tracked")


def reference_state(ref: Path) -> dict:
    """The served weights under the names the installed transformers gives them (it renames some on load, e.g.
    DINOv2's attention.attention.key -> attention.k_proj), else as stored."""
    if (ref / "config.json").is_file():
        return AutoModel.from_pretrained(str(ref), local_files_only=True, trust_remote_code=False).state_dict()
    files = sorted(ref.glob("*.safetensors"))
    if files:
        state = {}
        for f in files:
            state.update(load_file(str(f)))
        return state
    return torch.load(ref / "pytorch_model.bin", map_location="cpu", weights_only=True)


def load_model(saved: Path, ref: Path):
    """A save_pretrained folder, else a state dict (the file, or the first weights file of the folder) loaded
    strictly into the served architecture of model.name with 10 labels."""
    if saved.is_dir() and (saved / "config.json").is_file():
        return AutoModelForImageClassification.from_pretrained(str(saved), local_files_only=True,
                                                               trust_remote_code=False)
    files = [saved] if saved.is_file() else sorted(p for p in saved.rglob("*") if p.is_file() and p.suffix in WEIGHTS)
    if not files:
        raise FileNotFoundError("neither a save_pretrained folder nor a state-dict file")
    state = load_file(str(files[0])) if files[0].suffix == ".safetensors" else \
        torch.load(files[0], map_location="cpu", weights_only=True)
    state = state.get("state_dict", state.get("model_state_dict", state)) if isinstance(state, dict) else state
    config = AutoConfig.from_pretrained(str(ref), local_files_only=True, num_labels=10)
    model = AutoModelForImageClassification.from_config(config)
    model.load_state_dict(state, strict=True)
    return model


def main():
    saved, ref = Path(sys.argv[1]), Path(sys.argv[2])
    torch.set_num_threads(1)
    try:
        model = load_model(saved, ref)
        model.eval()
        size = model.config.image_size
        size = size[0] if isinstance(size, (list, tuple)) else int(size)
        channels = int(getattr(model.config, "num_channels", 3))
        with torch.no_grad():
            logits = model(pixel_values=torch.rand(2, channels, size, size)).logits
    except Exception as exc:  # noqa: BLE001 - a model that does not load or run is a finding
        print(json.dumps({"error": f"{type(exc).__name__}: {str(exc)[:600]}"}))
        return
    out = {"num_labels": model.config.num_labels, "logits_shape": list(logits.shape),
           "parameters": sum(p.numel() for p in model.parameters()), "image_size": size}

    prefix = getattr(model, "base_model_prefix", "") or ""
    strip = (lambda k: k[len(prefix) + 1:] if prefix and k.startswith(prefix + ".") else k)
    saved = {strip(k): v.detach().float() for k, v in model.state_dict().items()}
    refs = reference_state(ref) if any(ref.iterdir()) else {}
    has_prefix = any(k.startswith(prefix + ".") for k in refs) if prefix else False
    # head = whatever lies outside the base model in the reference (nothing when the reference is a bare base model)
    base = {strip(k): v.float() for k, v in refs.items()
            if (not has_prefix or k.startswith(prefix + ".")) and not k.endswith("num_batches_tracked")}
    total = sum(v.numel() for v in base.values())
    matched = {k: v for k, v in base.items() if k in saved and tuple(saved[k].shape) == tuple(v.shape)}
    out["matched_fraction"] = sum(v.numel() for v in matched.values()) / max(1, total)
    diff = ref_norm = 0.0
    for k, v in matched.items():
        if k.endswith(STATS):
            continue
        diff += float((saved[k] - v).pow(2).sum())
        ref_norm += float(v.pow(2).sum())
    out["relative_l2"] = (diff ** 0.5) / (ref_norm ** 0.5) if ref_norm > 0 else None
    out["prefix"] = prefix
    print(json.dumps(out))


if __name__ == "__main__":
    main()
