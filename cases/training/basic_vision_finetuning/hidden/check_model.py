"""Judge (trusted, CPU, offline): load the saved model (a collected copy, read as data: config JSON, safetensors
or weights_only torch.load, no remote code) and compare it with the served weights of model.name.

usage: check_model.py <model dir> <reference dir (served files of model.name; may be empty)>
Prints {"num_labels", "logits_shape", "parameters", "matched_fraction", "relative_l2", "prefix"}, or {"error"}
when the model does not load or run.
"""
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file
from transformers import AutoModelForImageClassification

STATS = ("running_mean", "running_var", "num_batches_tracked")


def reference_state(ref: Path) -> dict:
    files = sorted(ref.glob("*.safetensors"))
    if files:
        state = {}
        for f in files:
            state.update(load_file(str(f)))
        return state
    return torch.load(ref / "pytorch_model.bin", map_location="cpu", weights_only=True)


def main():
    model_dir, ref = sys.argv[1], Path(sys.argv[2])
    torch.set_num_threads(1)
    try:
        model = AutoModelForImageClassification.from_pretrained(model_dir, local_files_only=True,
                                                                trust_remote_code=False)
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
