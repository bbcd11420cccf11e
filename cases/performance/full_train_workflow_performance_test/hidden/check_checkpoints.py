"""Checkpoint checks (hidden): every checkpoints/*.pt loads with weights_only=True; sizes, numel and epoch.

usage: check_checkpoints.py <checkpoints dir>    prints one JSON line {"files": [{name, ok, why, numel, epoch}]}
No agent code runs: torch.load(weights_only=True) refuses pickled objects.
"""
import json
import sys
from pathlib import Path

import torch

MAX_BYTES = 150 * 1024 * 1024


def inspect(path):
    row = {"name": path.name, "ok": False, "why": "", "numel": None, "epoch": None}
    if path.is_symlink() or not path.is_file():
        row["why"] = "not a regular file"
        return row
    if path.stat().st_size > MAX_BYTES:
        row["why"] = f"{path.stat().st_size} bytes > 150 MB"
        return row
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001
        row["why"] = f"does not load with weights_only=True: {type(exc).__name__}: {str(exc)[:200]}"
        return row
    sd = obj.get("model_state_dict") if isinstance(obj, dict) else None
    epoch = obj.get("epoch") if isinstance(obj, dict) else None
    if not isinstance(sd, dict) or not sd or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        row["why"] = "no model_state_dict of tensors"
        return row
    if not isinstance(epoch, int) or isinstance(epoch, bool):
        row["why"] = f"epoch is {epoch!r}, not an int"
        return row
    row.update(ok=True, numel=int(sum(v.numel() for v in sd.values())), epoch=epoch)
    return row


def main(directory):
    d = Path(directory)
    files = sorted(d.glob("*.pt")) if d.is_dir() and not d.is_symlink() else []
    print(json.dumps({"files": [inspect(p) for p in files]}))


if __name__ == "__main__":
    main(*sys.argv[1:])
