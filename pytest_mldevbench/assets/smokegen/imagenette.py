"""imagenette2-160.tgz: per-class hue + oriented stripe/blob texture JPEGs and noisy_imagenette.csv."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
from PIL import Image

from . import draw
from .common import rng, write_tar

WNIDS = ["n01440764", "n02102040", "n02979186", "n03000684", "n03028079",
         "n03394916", "n03417042", "n03425413", "n03445777", "n03888257"]
NOISE_LEVELS = (0, 1, 5, 25, 50)
TOP = "imagenette2-160/"


def image(r: np.random.Generator, cls: int) -> np.ndarray:
    long_side = int(r.choice([160, 213, 240]))
    h, w = (160, long_side) if r.random() < 0.5 else (long_side, 160)
    angle = cls * np.pi / 10 + r.normal(0, 0.12)
    u, v = draw.coords(h, w, angle, 1.0)
    base = draw.hue_rgb(cls / 10 + r.normal(0, 0.02), r.uniform(0.5, 0.9), r.uniform(0.7, 1.0))
    dark = base * r.uniform(0.25, 0.45)
    pattern = draw.stripes(u, v, r.uniform(5, 8), r.uniform(0, 6.3))[..., None]
    img = dark + (base - dark) * pattern
    for _ in range(int(r.integers(1, 4))):  # blobs of a neighbouring hue
        bu, bv = draw.coords(h, w, 0.0, r.uniform(0.25, 0.5), (r.uniform(-h / 3, h / 3), r.uniform(-w / 3, w / 3)))
        img = img * (1 - (m := draw.shape_mask("disc", bu, bv)[..., None])) + draw.hue_rgb(cls / 10 + 0.05) * m
    img = img * r.uniform(0.8, 1.15) + r.normal(0, 6, img.shape)
    return draw.to_uint8(img)


def _jpeg(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr, "RGB").save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _noisy(r, labels: list[int], pct: int) -> list[int]:
    """Exactly round(pct% of rows) rows (seeded) get a uniformly chosen other class."""
    out = list(labels)
    for i in r.permutation(len(labels))[: round(len(labels) * pct / 100)]:
        out[i] = int((labels[i] + r.integers(1, 10)) % 10)
    return out


def write_archive(out: Path, members: dict[str, bytes], rows: dict[str, list], noisy: dict[int, list[int]]) -> None:
    """imagenette2-160.tgz: the image `members` plus noisy_imagenette.csv (train rows with a label per noise
    level, then val rows with their clean label in every column)."""
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(["path"] + [f"noisy_labels_{p}" for p in NOISE_LEVELS] + ["is_valid"])
    for i, (path, cls) in enumerate(rows["train"]):
        w.writerow([path] + [WNIDS[noisy[p][i]] for p in NOISE_LEVELS] + ["False"])
    for path, cls in rows["val"]:
        w.writerow([path] + [WNIDS[cls]] * len(NOISE_LEVELS) + ["True"])
    members = {**members, TOP + "noisy_imagenette.csv": text.getvalue().encode()}
    write_tar(out / "imagenette2-160.tgz", members, compress=True)


def generate(out: Path, seed: int, deps: dict) -> dict:
    r = rng(seed, "layout")
    train_counts = r.integers(12, 21, 10)
    val_counts = r.integers(4, 7, 10)
    assert len(set(train_counts.tolist())) > 1 and len(set(val_counts.tolist())) > 1
    members, rows = {}, {"train": [], "val": []}
    val_numbers = iter(r.choice(np.arange(1, 50001), int(val_counts.sum()), replace=False))
    for cls, wnid in enumerate(WNIDS):
        numbers = r.choice(np.arange(100, 30000), int(train_counts[cls]), replace=False)
        for split, names in (("train", [f"{wnid}_{n}.JPEG" for n in numbers]),
                             ("val", [f"ILSVRC2012_val_{next(val_numbers):08d}.JPEG" for _ in range(val_counts[cls])])):
            for name in names:
                rows[split].append((f"{split}/{wnid}/{name}", cls))
    for split in ("train", "val"):
        rows[split].sort()
        ir = rng(seed, "pixels", split)
        for path, cls in rows[split]:
            members[TOP + path] = _jpeg(image(ir, cls))
    clean = [c for _, c in rows["train"]]
    noisy = {p: _noisy(rng(seed, "noise", p), clean, p) for p in NOISE_LEVELS}
    differ = sum(a != b for a, b in zip(noisy[50], clean)) / len(clean)
    assert 0.4 <= differ <= 0.6, differ
    assert sum(noisy[50].count(c) != clean.count(c) for c in range(10)) >= 3
    write_archive(out, members, rows, noisy)
    return {"train_folder_counts": dict(zip(WNIDS, train_counts.tolist())),
            "val_folder_counts": dict(zip(WNIDS, val_counts.tolist())),
            "train_noisy50_counts": {w_: noisy[50].count(i) for i, w_ in enumerate(WNIDS)},
            "noisy50_differs_fraction": round(differ, 4), "num_rows": len(rows["train"]) + len(rows["val"])}
