"""Judge (trusted, `grading.reference`): every checkpoints/*.pt loads with weights_only=True; sizes and numel.

usage: check_checkpoints.py <copy dir> <names json> <max_params>
<copy dir> holds bounded copies of the agent's checkpoints/*.pt (regular files only); <names json> lists every
*.pt name the snapshot's checkpoints/ has, so a name without a copy (a link, no regular file, too large) fails.
Prints {"checks": [...]}. No agent code runs: torch.load(weights_only=True) refuses pickled objects.
"""
import json
import sys
from pathlib import Path

import torch
from mldb_judge import Checks

MAX_BYTES = 150 * 1024 * 1024


def inspect(path):
    row = {"name": path.name, "ok": False, "why": "", "numel": None}
    if path.is_symlink() or not path.is_file():
        row["why"] = "not a regular file of at most 150 MB (a link, missing, too large or past the grader's total copy limit)"
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
    if not isinstance(sd, dict) or not sd or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        row["why"] = "no model_state_dict of tensors"
        return row
    row.update(ok=True, numel=int(sum(v.numel() for v in sd.values())))
    return row


def main(directory, names, max_params):
    files = [inspect(Path(directory) / name) for name in sorted(json.loads(names))]
    bad = [f for f in files if not f["ok"] or f["numel"] > float(max_params)]
    checks = Checks()
    checks.record("checkpoints/*.pt: >= 1, each <= 150 MB, weights_only, a model_state_dict of <= 30 M values",
                  files and not bad, "no checkpoints/*.pt" if not files else "; ".join(
                      f"{f['name']}: {f['why']}" if not f["ok"] else f"{f['name']}: numel {f['numel']}"
                      for f in bad)[:1500])
    print(json.dumps({"checks": checks.results}))


if __name__ == "__main__":
    main(*sys.argv[1:])
