"""Judge (trusted: loads the file as data only): compare a saved ResNet-18 with the pretrained weights.

usage: compare_weights.py <model file> <reference weights>
The file is loaded with weights_only=True; its state dict (top level, or under `state_dict` /
`model_state_dict`) must load strictly into torchvision.models.resnet18() and equal the reference tensor for
tensor. Prints {"weights_only", "strict_load", "equal", "detail"}.
"""
import json
import sys

import torch
import torchvision

KEYS = ("state_dict", "model_state_dict")


def extract(obj):
    if isinstance(obj, dict):
        for key in KEYS:
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
        if obj and all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()):
            return {(k[len("module."):] if k.startswith("module.") else k): v for k, v in obj.items()}
    return None


def compare(model_file, reference_file):
    out = {"weights_only": False, "strict_load": False, "equal": False, "detail": ""}
    try:
        obj = torch.load(model_file, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure is a finding
        out["detail"] = f"weights_only load failed: {type(exc).__name__}: {str(exc)[:300]}"
        return out
    state = extract(obj)
    if state is None:
        out["detail"] = f"no state dict of tensors in the file (top-level {type(obj).__name__})"
        return out
    out["weights_only"] = True
    model = torchvision.models.resnet18()
    try:
        model.load_state_dict(state, strict=True)
    except Exception as exc:  # noqa: BLE001
        out["detail"] = f"load_state_dict(strict=True) failed: {str(exc)[:400]}"
        return out
    out["strict_load"] = True
    reference = torch.load(reference_file, map_location="cpu", weights_only=True)
    loaded = model.state_dict()
    differ = [k for k, v in reference.items() if k not in loaded or not torch.equal(loaded[k], v)]
    out["equal"] = not differ
    out["detail"] = f"{len(differ)} of {len(reference)} tensors differ from the pretrained weights (e.g. {differ[:3]})"
    return out


if __name__ == "__main__":
    torch.set_num_threads(1)
    print(json.dumps(compare(*sys.argv[1:3])))
