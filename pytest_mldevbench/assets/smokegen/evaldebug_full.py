"""bert_eval_debug's full-profile bundle, cut from the real BoolQ archive (kept apart from evaldebug.py, whose
source keys the smoke cache)."""
from __future__ import annotations

import zipfile
from pathlib import Path


def derive(out: Path, seed: int, deps: dict) -> dict:
    """Full profile: the same two files cut from the real BoolQ archive (`deps["boolq"]`), so that the raw archive
    is never listed for bert_eval_debug: BoolQ.zip = its train.jsonl and val.jsonl (what train.py and evaluate.py
    read; test.jsonl left out), BoolQ-variant.zip = its val.jsonl (run B's hidden subset is drawn from it, as the
    original's validation split is the only labelled data the task has). Members byte for byte."""
    with zipfile.ZipFile(deps["boolq"] / "BoolQ.zip") as src:
        members = {n: src.read(n) for n in ("BoolQ/train.jsonl", "BoolQ/val.jsonl")}
    for name, keep in (("BoolQ.zip", members), ("BoolQ-variant.zip", {"BoolQ/val.jsonl": members["BoolQ/val.jsonl"]})):
        with zipfile.ZipFile(out / name, "w", zipfile.ZIP_DEFLATED) as dst:
            for member in sorted(keep):
                info = zipfile.ZipInfo(member, date_time=(2019, 1, 1, 0, 0, 0))
                info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
                dst.writestr(info, keep[member])
    return {"num_val": sum(1 for line in members["BoolQ/val.jsonl"].splitlines() if line.strip())}
