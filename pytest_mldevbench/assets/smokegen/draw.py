"""numpy image primitives for the smoke generators: smooth prototypes, shapes, stripes, glyph strokes."""
from __future__ import annotations

import colorsys

import numpy as np


def upsample(grid: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear upsampling of an (h, w, c) grid to (height, width, c), corners aligned."""
    h, w = grid.shape[:2]
    ys, xs = np.linspace(0, h - 1, height), np.linspace(0, w - 1, width)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    top = grid[y0][:, x0] * (1 - fx) + grid[y0][:, x1] * fx
    bottom = grid[y1][:, x0] * (1 - fx) + grid[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


def synthetic_vision(labels, n_classes: int, proto_seed: int, sample_seed: int, sigma: float, mix: float,
                     size: int = 32) -> np.ndarray:
    """Images (N, size, size, 3) uint8 from smooth per-class colour prototypes (the Part 4 recipe).

    Prototype: a U(0,255) 4x4x3 grid upsampled bilinearly. Sample: a fraction `mix` of a random class's
    prototype blended in, shift up to +-4 px (reflect), random flip, contrast U(0.6,1.4) about the mean,
    Gaussian noise sigma, rounded and clipped.
    """
    prng = np.random.default_rng(proto_seed)
    protos = np.stack([upsample(prng.uniform(0, 255, (4, 4, 3)), size, size) for _ in range(n_classes)])
    rng = np.random.default_rng(sample_seed)
    out = np.empty((len(labels), size, size, 3), np.uint8)
    for i, label in enumerate(labels):
        img = protos[label].copy()
        if mix > 0:
            img = (1 - mix) * img + mix * protos[rng.integers(n_classes)]
        dy, dx = rng.integers(-4, 5, 2)
        img = np.pad(img, ((4, 4), (4, 4), (0, 0)), mode="reflect")[4 + dy:4 + dy + size, 4 + dx:4 + dx + size]
        if rng.random() < 0.5:
            img = img[:, ::-1]
        mean = img.mean()
        img = (img - mean) * rng.uniform(0.6, 1.4) + mean + rng.normal(0, sigma, img.shape)
        out[i] = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    return out


def hue_rgb(hue: float, sat: float = 0.75, val: float = 0.9) -> np.ndarray:
    return np.array(colorsys.hsv_to_rgb(hue % 1.0, sat, val)) * 255.0


def coords(height: int, width: int, angle: float, scale: float, shift=(0.0, 0.0)):
    """Pixel grid mapped into a shape frame: centred at the image centre + shift, rotated and scaled."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    cy, cx = (height - 1) / 2 + shift[0], (width - 1) / 2 + shift[1]
    u, v = (xs - cx) / (scale * min(height, width) / 2), (ys - cy) / (scale * min(height, width) / 2)
    c, s = np.cos(angle), np.sin(angle)
    return c * u + s * v, -s * u + c * v


SHAPES = ("disc", "square", "triangle", "cross", "ring", "diamond", "hbars", "star", "ellipse", "corner")


def shape_mask(shape: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Soft (0..1) mask of a named shape in unit frame coordinates (|u|,|v| <= ~0.8)."""
    r = np.hypot(u, v)
    edge = {
        "disc": 0.6 - r,
        "square": 0.5 - np.maximum(abs(u), abs(v)),
        "triangle": np.minimum(v + 0.45, np.minimum(0.55 - v - 1.7 * u, 0.55 - v + 1.7 * u) / 2),
        "cross": np.maximum(np.minimum(0.18 - abs(u), 0.65 - abs(v)), np.minimum(0.18 - abs(v), 0.65 - abs(u))),
        "ring": 0.15 - abs(r - 0.48),
        "diamond": 0.65 - (abs(u) + abs(v)),
        "hbars": np.minimum(0.6 - abs(u), np.minimum(0.6 - abs(v), 0.12 - abs(((v + 0.6) % 0.4) - 0.2))),
        "star": 0.35 + 0.25 * np.cos(5 * np.arctan2(v, u)) - r,
        "ellipse": 1.0 - np.hypot(u / 0.72, v / 0.35),
        "corner": np.minimum(np.minimum(0.6 - abs(u), 0.6 - abs(v)), np.maximum(0.2 - (u + 0.4), 0.2 - (v + 0.4))),
    }[shape]
    return np.clip(edge * 12 + 0.5, 0, 1)


def stripes(u: np.ndarray, v: np.ndarray, freq: float, phase: float) -> np.ndarray:
    return 0.5 + 0.5 * np.sin(2 * np.pi * freq * u + phase)


def segments_distance(points: np.ndarray, segs: np.ndarray) -> np.ndarray:
    """Distance from each point (P,2) to the nearest of segments (S,2,2)."""
    a, b = segs[:, 0][None], segs[:, 1][None]
    p = points[:, None]
    ab = b - a
    t = np.clip(((p - a) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-9), 0, 1)
    return np.linalg.norm(p - (a + t[..., None] * ab), axis=-1).min(axis=1)


def box_blur(img: np.ndarray) -> np.ndarray:
    """3x3 mean filter on a 2-D float image (edge padding)."""
    p = np.pad(img, 1, mode="edge")
    return sum(p[i:i + img.shape[0], j:j + img.shape[1]] for i in range(3) for j in range(3)) / 9.0


def to_uint8(img: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)
