"""boolq_performance's smoke source: a BoolQ.zip in the real layout (train.jsonl 1,200 rows, val.jsonl 600 rows).

The task's validator derives the agent's data from it exactly as from the real archive: a seeded hold-out of
the train rows becomes the local validation split, and val.jsonl is the hidden evaluation split. This asset is
`private` (grader-side only, never served).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .boolq import rows, write_boolq_zip

P_TRUE = 0.62
# 2-3 filler sentences per passage (the shared BoolQ generator's default is 3-5): the facts are as easy to
# find but the pairs are ~35 tokens instead of ~55, so the smoke oracle learns in ~20 steps of a randomly
# initialised TinyBERT stand-in and every forward pass (training, prediction step) costs less on CPU.
N_FILLERS = (2, 3)


def generate(out: Path, seed: int, deps: dict) -> dict:
    splits = {"train": rows(seed, "p5-train", 1200, P_TRUE, N_FILLERS), "val": rows(seed, "p5-val", 600, P_TRUE, N_FILLERS)}
    write_boolq_zip(out / "BoolQ.zip", splits)
    return {"counts": {k: len(v) for k, v in splits.items()},
            "true_fraction": {k: round(float(np.mean([x["label"] for x in v])), 4) for k, v in splits.items()}}
