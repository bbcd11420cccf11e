"""Grader helper (task environment, sandboxed, CPU). Two modes:

  python load_model.py compare <model file> <reference weights>
      weights_only=True loads only: the agent's file must give a state dict (top level, or under
      `state_dict` / `model_state_dict`) that loads strictly into torchvision.models.resnet18() and equals
      the reference tensor for tensor. Prints one JSON line. Safe: nothing of the agent's file can run code.
  python load_model.py unpickle <model file> <output file>
      general unpickling of a whole pickled module (this can run code from the file, so the grader never
      trusts its output beyond the tensors it writes): saves the module's state dict with torch.save.
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


def unpickle(model_file, output_file):
    obj = torch.load(model_file, map_location="cpu", weights_only=False)
    if not isinstance(obj, torch.nn.Module):
        print(json.dumps({"module": False, "type": type(obj).__name__}))
        return
    torch.save({k: v.detach().clone() for k, v in obj.state_dict().items()}, output_file)
    print(json.dumps({"module": True}))


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "compare":
        print(json.dumps(compare(*args)))
    elif mode == "unpickle":
        unpickle(*args)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
