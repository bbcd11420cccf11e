"""full_train_workflow_performance_test's smoke source: an Imagenette-style tgz in the real layout.

`imagenette2-160/{train,val}/<wnid>/*.JPEG` (64x64 RGB from `draw.synthetic_vision`, sigma 80, mix 0.3;
100 train and 75 val images per class) and `noisy_imagenette.csv` with the real columns. The task's validator
derives what is served from it exactly as from the real archive: a seeded part of each val class is withheld
as the hidden evaluation set (smoke: 50 of 75), the rest is served. This asset is `private` (never served).
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from .common import rng
from .draw import synthetic_vision
from .imagenette import NOISE_LEVELS, TOP, WNIDS, _noisy, write_archive

SIZE, SIGMA, MIX = 64, 80.0, 0.3
PER_CLASS = {"train": 100, "val": 75}


def _jpeg(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr, "RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


def generate(out: Path, seed: int, deps: dict) -> dict:
    r = rng(seed, "layout")
    proto_seed = int(rng(seed, "prototypes").integers(2**31))
    members, rows = {}, {}
    val_numbers = iter(r.choice(np.arange(1, 50001), PER_CLASS["val"] * 10, replace=False))
    for split in ("train", "val"):
        labels = np.repeat(np.arange(10), PER_CLASS[split])
        images = synthetic_vision(labels, 10, proto_seed, int(rng(seed, "samples", split).integers(2**31)),
                                  SIGMA, MIX, size=SIZE)
        rows[split] = []
        numbers = {c: r.choice(np.arange(100, 30000), PER_CLASS["train"], replace=False) for c in range(10)}
        for i, (img, cls) in enumerate(zip(images, labels)):
            wnid = WNIDS[cls]
            name = (f"{wnid}_{numbers[cls][i % PER_CLASS['train']]}.JPEG" if split == "train"
                    else f"ILSVRC2012_val_{next(val_numbers):08d}.JPEG")
            rows[split].append((f"{split}/{wnid}/{name}", int(cls)))
            members[TOP + rows[split][-1][0]] = _jpeg(img)
        rows[split].sort()
    clean = [c for _, c in rows["train"]]
    noisy = {p: _noisy(rng(seed, "noise", p), clean, p) for p in NOISE_LEVELS}
    differ = sum(a != b for a, b in zip(noisy[50], clean)) / len(clean)
    write_archive(out, members, rows, noisy)
    return {"per_class": PER_CLASS, "size": SIZE, "sigma": SIGMA, "mix": MIX,
            "noisy50_differs_fraction": round(differ, 4), "num_rows": len(rows["train"]) + len(rows["val"])}
