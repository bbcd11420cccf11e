"""MNIST idx .gz files: stroke glyph templates with affine jitter, stroke width, blur and noise."""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from . import draw
from .common import gzip_bytes, md5_bytes, rng
from .fit import ridge_baseline


def _ellipse(cx, cy, rx, ry, start=0.0, stop=2 * np.pi, n=18):
    t = np.linspace(start, stop, n)
    return list(zip(cx + rx * np.cos(t), cy + ry * np.sin(t)))


# Polylines per digit in a unit box (x right, y down).
GLYPHS = {
    0: [_ellipse(0.5, 0.5, 0.28, 0.4)],
    1: [[(0.35, 0.25), (0.52, 0.1), (0.52, 0.9)]],
    2: [[(0.25, 0.3), (0.35, 0.14), (0.55, 0.1), (0.72, 0.2), (0.72, 0.38), (0.25, 0.9), (0.78, 0.9)]],
    3: [[(0.25, 0.15), (0.7, 0.15), (0.45, 0.45), (0.72, 0.6), (0.7, 0.82), (0.5, 0.92), (0.25, 0.85)]],
    4: [[(0.65, 0.9), (0.65, 0.1), (0.2, 0.65), (0.8, 0.65)]],
    5: [[(0.75, 0.1), (0.3, 0.1), (0.28, 0.45), (0.6, 0.42), (0.75, 0.6), (0.7, 0.82), (0.5, 0.92), (0.25, 0.85)]],
    6: [[(0.7, 0.12), (0.45, 0.2), (0.3, 0.45), (0.28, 0.7), (0.4, 0.9), (0.62, 0.9), (0.72, 0.72),
         (0.6, 0.52), (0.4, 0.52), (0.3, 0.62)]],
    7: [[(0.2, 0.12), (0.8, 0.12), (0.45, 0.9)]],
    8: [_ellipse(0.5, 0.3, 0.18, 0.18), _ellipse(0.5, 0.69, 0.22, 0.21)],
    9: [_ellipse(0.5, 0.33, 0.2, 0.2), [(0.7, 0.35), (0.6, 0.9)]],
}
SEGMENTS = {d: np.array([[p[i], p[i + 1]] for p in polys for i in range(len(p) - 1)]) for d, polys in GLYPHS.items()}
GRID = np.stack(np.mgrid[0:28, 0:28][::-1], axis=-1).reshape(-1, 2).astype(np.float64)  # (x, y) per pixel


def digit_image(r: np.random.Generator, digit: int) -> np.ndarray:
    segs = SEGMENTS[digit] - 0.5
    ang, scale, shear = r.normal(0, 0.18), r.uniform(17, 21), r.uniform(-0.25, 0.25)
    m = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]]) @ np.array([[1, shear], [0, 1]])
    pts = segs @ m.T * scale * np.array([r.uniform(0.8, 1.1), 1.0]) + 13.5 + r.uniform(-2, 2, 2)
    width = r.uniform(1.0, 2.2)
    ink = np.clip(width - draw.segments_distance(GRID, pts), 0, 1).reshape(28, 28)
    if r.random() < 0.5:
        ink = draw.box_blur(ink) * 1.3
    return draw.to_uint8(255 * np.clip(ink + r.normal(0, 0.04, ink.shape), 0, 1))


def _idx_images(x: np.ndarray) -> bytes:
    return struct.pack(">IIII", 2051, len(x), 28, 28) + x.tobytes()


def _idx_labels(y: np.ndarray) -> bytes:
    return struct.pack(">II", 2049, len(y)) + y.astype(np.uint8).tobytes()


def _split(seed: int, split: str, lo: int, hi: int):
    r = rng(seed, split)
    counts = r.integers(lo, hi + 1, 10)
    y = np.repeat(np.arange(10), counts)
    r.shuffle(y)
    return np.stack([digit_image(r, int(d)) for d in y]), y


def generate(out: Path, seed: int, deps: dict) -> dict:
    """train-/t10k- images and labels as gzip'd IDX (about 3,000 train and 600 test digits)."""
    train_x, train_y = _split(seed, "train", 260, 340)
    test_x, test_y = _split(seed, "test", 50, 70)
    files = {"train-images-idx3-ubyte.gz": _idx_images(train_x), "train-labels-idx1-ubyte.gz": _idx_labels(train_y),
             "t10k-images-idx3-ubyte.gz": _idx_images(test_x), "t10k-labels-idx1-ubyte.gz": _idx_labels(test_y)}
    md5s = {}
    for name, raw in files.items():
        data = gzip_bytes(raw)
        (out / name).write_bytes(data)
        md5s[name] = md5_bytes(data)
    return {"gz_md5": md5s, "num_train": int(len(train_y)), "num_test": int(len(test_y)),
            "train_counts": np.bincount(train_y, minlength=10).tolist(),
            "test_counts": np.bincount(test_y, minlength=10).tolist(),
            "baseline_fit": ridge_baseline(train_x, train_y, test_x, test_y, 10)}
