"""improve_segmentation_baseline's smoke source: a VOCtrainval-style tar (train 150 ids, val 60 ids).

64x64 scenes: a smooth low-saturation background with noise, 1-3 discs or boxes, each filled with its class's
colour (20 hues) and a class-specific stripe texture, Gaussian noise sigma 25; masks are VOC palette PNGs with
a 1-px void (255) band along object borders. The task's validator derives what the agent gets (the train ids,
the last 30 of them as local validation) and keeps the val ids as the hidden evaluation set. `private`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import draw
from .common import rng
from .voc import write_voc_tar

SIZE, SIGMA = 64, 25.0
COUNTS = {"train": 150, "val": 60}


def _border(mask: np.ndarray) -> np.ndarray:
    band = np.zeros(mask.shape, bool)
    for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0)):
        band |= np.roll(np.roll(mask, dy, 0), dx, 1) != mask
    return band


def scene(r: np.random.Generator):
    img = draw.upsample(r.uniform(90, 160, (3, 3, 1)) + r.uniform(-15, 15, (3, 3, 3)), SIZE, SIZE)
    mask = np.zeros((SIZE, SIZE), np.uint8)
    for _ in range(int(r.integers(1, 4))):
        cls = int(r.integers(1, 21))
        shape = "disc" if r.random() < 0.5 else "square"
        u, v = draw.coords(SIZE, SIZE, r.uniform(0, np.pi), r.uniform(0.45, 0.8),
                           (r.uniform(-SIZE / 4, SIZE / 4), r.uniform(-SIZE / 4, SIZE / 4)))
        m = draw.shape_mask(shape, u, v) > 0.5
        colour = draw.hue_rgb(cls / 20 + r.normal(0, 0.01), 0.55 + 0.4 * (cls % 2), 0.95 - 0.3 * ((cls // 2) % 2))
        tex = draw.stripes(u, v, 1.5 + 1.5 * (cls % 4), r.uniform(0, 6.3))[..., None]
        img = np.where(m[..., None], colour * (0.7 + 0.3 * tex), img)
        mask[m] = cls
    img = img + r.normal(0, SIGMA, img.shape)
    mask[_border(mask)] = 255
    return draw.to_uint8(img), mask


def generate(out: Path, seed: int, deps: dict) -> dict:
    r = rng(seed, "ids")
    n = sum(COUNTS.values())
    ids = sorted({f"{int(y)}_{int(k):06d}" for y, k in zip(r.integers(2007, 2013, 4 * n), r.integers(1, 9000, 4 * n))})
    ids = [ids[i] for i in sorted(r.choice(len(ids), n, replace=False))]
    order = r.permutation(n)
    split = {"train": sorted(ids[i] for i in order[:COUNTS["train"]]),
             "val": sorted(ids[i] for i in order[COUNTS["train"]:])}
    pixels = write_voc_tar(out, seed, scene, split["train"], split["val"])
    return {"counts": COUNTS, "size": SIZE, "sigma": SIGMA,
            "class_pixel_counts": {str(c): int(pixels[c]) for c in list(range(21)) + [255] if pixels[c]}}
