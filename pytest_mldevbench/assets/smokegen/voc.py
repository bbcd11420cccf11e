"""VOCtrainval_11-May-2012.tar subset: JPEG scenes with class-coloured objects, palette PNG masks."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from . import draw
from .common import rng, write_tar

ROOT = "VOCdevkit/VOC2012/"
OBJECT_SHAPES = ("disc", "square", "triangle", "diamond", "ellipse")


def voc_palette() -> list[int]:
    """The standard VOC colour map: bits of the class index spread over the high bits of R, G, B."""
    pal = []
    for i in range(256):
        c, rgb = i, [0, 0, 0]
        for j in range(8):
            for ch in range(3):
                rgb[ch] |= ((c >> ch) & 1) << (7 - j)
            c >>= 3
        pal += rgb
    return pal


def _border(mask: np.ndarray) -> np.ndarray:
    """Pixels within 2 px of a boundary between different labels."""
    band = np.zeros(mask.shape, bool)
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            shifted = np.roll(np.roll(mask, dy, 0), dx, 1)
            band |= shifted != mask
    return band


def scene(r: np.random.Generator):
    h, w = (int(x) for x in r.integers(96, 161, 2))
    img = draw.upsample(r.uniform(60, 200, (3, 3, 3)), h, w)
    bu, bv = draw.coords(h, w, r.uniform(0, np.pi), 1.0)
    img = img * (0.8 + 0.2 * draw.stripes(bu, bv, r.uniform(2, 5), 0.0))[..., None]
    mask = np.zeros((h, w), np.uint8)
    for _ in range(int(r.integers(1, 4))):
        cls = int(r.integers(1, 21))
        u, v = draw.coords(h, w, r.uniform(0, np.pi), r.uniform(0.6, 1.1),
                           (r.uniform(-h / 4, h / 4), r.uniform(-w / 4, w / 4)))
        m = draw.shape_mask(OBJECT_SHAPES[cls % 5], u, v) > 0.5
        colour = draw.hue_rgb(cls / 20 + r.normal(0, 0.015), 0.85, 0.9)
        tex = draw.stripes(u, v, 1.5 + cls % 4, r.uniform(0, 6.3))[..., None]
        img = np.where(m[..., None], colour * (0.65 + 0.35 * tex), img)
        mask[m] = cls
    img = img + r.normal(0, 8, img.shape)
    mask[_border(mask)] = 255
    return draw.to_uint8(img), mask


def write_voc_tar(out: Path, seed: int, draw_scene, train: list[str], val: list[str]) -> np.ndarray:
    """VOCtrainval_11-May-2012.tar of the ids in `train` + `val`: one seeded `draw_scene(rng)` -> (image, mask)
    per id as JPEG and palette PNG, and ImageSets/Segmentation/{train,val,trainval}.txt. Returns the mask
    pixel count per class value (256 bins)."""
    members, pal, pixels = {}, voc_palette(), np.zeros(256, np.int64)
    for img_id in sorted(train + val):
        img, mask = draw_scene(rng(seed, "scene", img_id))
        buf = io.BytesIO()
        Image.fromarray(img, "RGB").save(buf, "JPEG", quality=90)
        members[ROOT + f"JPEGImages/{img_id}.jpg"] = buf.getvalue()
        png = Image.fromarray(mask, "P")
        png.putpalette(pal)
        buf = io.BytesIO()
        png.save(buf, "PNG")
        members[ROOT + f"SegmentationClass/{img_id}.png"] = buf.getvalue()
        pixels += np.bincount(mask.ravel(), minlength=256)
    for name, part in (("train", train), ("val", val), ("trainval", sorted(train + val))):
        members[ROOT + f"ImageSets/Segmentation/{name}.txt"] = "".join(i + "\n" for i in part).encode()
    write_tar(out / "VOCtrainval_11-May-2012.tar", members, compress=False)
    return pixels


def generate(out: Path, seed: int, deps: dict) -> dict:
    r = rng(seed, "ids")
    ids = sorted({f"{int(y)}_{int(n):06d}" for y, n in zip(r.integers(2007, 2012, 200), r.integers(1, 9000, 200))})
    ids = [ids[i] for i in sorted(r.choice(len(ids), 72, replace=False))]
    order = r.permutation(72)
    train, val = sorted(ids[i] for i in order[:48]), sorted(ids[i] for i in order[48:])
    pixels = write_voc_tar(out, seed, scene, train, val)
    return {"num_train": len(train), "num_val": len(val),
            "class_pixel_counts": {str(c): int(pixels[c]) for c in list(range(21)) + [255] if pixels[c]}}
