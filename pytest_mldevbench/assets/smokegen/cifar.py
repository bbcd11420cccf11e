"""CIFAR-10 / CIFAR-100 python tarballs: shape+colour classes on textured backgrounds, Python-2 pickles."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import draw
from .common import md5_bytes, py2_pickle, rng, write_tar
from .fit import ridge_baseline

CIFAR10_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

# CIFAR-100 superclasses and their five fine classes (the real dataset's grouping).
CIFAR100_GROUPS = {
    "aquatic_mammals": ["beaver", "dolphin", "otter", "seal", "whale"],
    "fish": ["aquarium_fish", "flatfish", "ray", "shark", "trout"],
    "flowers": ["orchid", "poppy", "rose", "sunflower", "tulip"],
    "food_containers": ["bottle", "bowl", "can", "cup", "plate"],
    "fruit_and_vegetables": ["apple", "mushroom", "orange", "pear", "sweet_pepper"],
    "household_electrical_devices": ["clock", "keyboard", "lamp", "telephone", "television"],
    "household_furniture": ["bed", "chair", "couch", "table", "wardrobe"],
    "insects": ["bee", "beetle", "butterfly", "caterpillar", "cockroach"],
    "large_carnivores": ["bear", "leopard", "lion", "tiger", "wolf"],
    "large_man-made_outdoor_things": ["bridge", "castle", "house", "road", "skyscraper"],
    "large_natural_outdoor_scenes": ["cloud", "forest", "mountain", "plain", "sea"],
    "large_omnivores_and_herbivores": ["camel", "cattle", "chimpanzee", "elephant", "kangaroo"],
    "medium_mammals": ["fox", "porcupine", "possum", "raccoon", "skunk"],
    "non-insect_invertebrates": ["crab", "lobster", "snail", "spider", "worm"],
    "people": ["baby", "boy", "girl", "man", "woman"],
    "reptiles": ["crocodile", "dinosaur", "lizard", "snake", "turtle"],
    "small_mammals": ["hamster", "mouse", "rabbit", "shrew", "squirrel"],
    "trees": ["maple_tree", "oak_tree", "palm_tree", "pine_tree", "willow_tree"],
    "vehicles_1": ["bicycle", "bus", "motorcycle", "pickup_truck", "train"],
    "vehicles_2": ["lawn_mower", "rocket", "streetcar", "tank", "tractor"],
}
CIFAR100_FINE = sorted(n for names in CIFAR100_GROUPS.values() for n in names)
CIFAR100_COARSE = sorted(CIFAR100_GROUPS)
FINE_TO_COARSE = {n: CIFAR100_COARSE.index(g) for g, names in CIFAR100_GROUPS.items() for n in names}


def render(r: np.random.Generator, shape: str, hue: float, textured: bool, noise: float = 18.0) -> np.ndarray:
    """One 32x32x3 image: a coloured shape (random shift/scale/rotation) on a random textured background."""
    bg = draw.upsample(r.uniform(30, 225, (4, 4, 3)), 32, 32)
    bu, bv = draw.coords(32, 32, r.uniform(0, np.pi), 1.0)
    bg = bg * (0.75 + 0.25 * draw.stripes(bu, bv, r.uniform(1.5, 4), r.uniform(0, 6.3)))[..., None]
    u, v = draw.coords(32, 32, r.uniform(-0.6, 0.6), r.uniform(0.7, 1.05), r.uniform(-4, 4, 2))
    mask = draw.shape_mask(shape, u, v)[..., None]
    colour = draw.hue_rgb(hue + r.normal(0, 0.04), r.uniform(0.55, 0.95), r.uniform(0.6, 1.0))
    if textured:
        colour = colour * (0.6 + 0.4 * draw.stripes(u + v, v, 3.0, r.uniform(0, 6.3)))[..., None]
    img = bg * (1 - mask) + colour * mask + r.normal(0, noise, (32, 32, 3))
    return draw.to_uint8(img)


def cifar10_image(r, label: int) -> np.ndarray:
    textured = label % 2 == 1 and r.random() < 0.7
    hue = label / 10 if r.random() < 0.75 else r.random()
    return render(r, draw.SHAPES[label], hue, textured)


def cifar100_image(r, fine: int) -> np.ndarray:
    coarse = FINE_TO_COARSE[CIFAR100_FINE[fine]]
    k = CIFAR100_GROUPS[CIFAR100_COARSE[coarse]].index(CIFAR100_FINE[fine])
    img = render(r, draw.SHAPES[coarse % 10], k / 5 + 0.03 * (coarse // 10), textured=coarse >= 10, noise=3.0)
    return img // 4 * 4 + 2  # 64 levels per channel: keeps the 4,000-image tarball under 10 MB (gzip)


def _images(seed: int, split: str, labels: list[int], make) -> np.ndarray:
    r = rng(seed, split)
    return np.stack([make(r, y).transpose(2, 0, 1).reshape(-1) for y in labels])


def _balanced_labels(seed: int, split: str, n_classes: int, per_class: int) -> list[int]:
    labels = np.repeat(np.arange(n_classes), per_class)
    rng(seed, split, "order").shuffle(labels)
    return [int(x) for x in labels]


def cifar10_members(train_y, train_x, test_y, test_x, tag: str, per_batch: int) -> dict[str, bytes]:
    """The pickled members of cifar-10-python.tar.gz (5 train batches of `per_batch`, the test batch, batches.meta)
    from labels and uint8 rows; image file names start with `tag`."""
    top, members = "cifar-10-batches-py/", {}
    for b in range(5):
        sl = slice(per_batch * b, per_batch * (b + 1))
        members[top + f"data_batch_{b + 1}"] = py2_pickle({
            "batch_label": f"training batch {b + 1} of 5", "labels": train_y[sl], "data": train_x[sl],
            "filenames": [f"{tag}_{CIFAR10_NAMES[y]}_s_{per_batch * b + i:06d}.png"
                          for i, y in enumerate(train_y[sl])]})
    members[top + "test_batch"] = py2_pickle({
        "batch_label": "testing batch 1 of 1", "labels": test_y, "data": test_x,
        "filenames": [f"{tag}_{CIFAR10_NAMES[y]}_t_{i:06d}.png" for i, y in enumerate(test_y)]})
    members[top + "batches.meta"] = py2_pickle({"num_cases_per_batch": per_batch, "label_names": CIFAR10_NAMES,
                                               "num_vis": 3072})
    return members


def cifar100_members(train_y, train_x, test_y, test_x, tag: str) -> dict[str, bytes]:
    """The pickled members of cifar-100-python.tar.gz (train, test, meta; real fine->coarse mapping) from fine
    labels and uint8 rows; image file names start with `tag`."""
    top, coarse = "cifar-100-python/", [FINE_TO_COARSE[n] for n in CIFAR100_FINE]

    def batch(label: str, ys, xs, split):
        return py2_pickle({"filenames": [f"{tag}_{CIFAR100_FINE[y]}_{split}_{i:06d}.png" for i, y in enumerate(ys)],
                           "batch_label": label, "fine_labels": ys, "coarse_labels": [coarse[y] for y in ys],
                           "data": xs})
    return {top + "train": batch("training batch 1 of 1", train_y, train_x, "s"),
            top + "test": batch("testing batch 1 of 1", test_y, test_x, "t"),
            top + "meta": py2_pickle({"fine_label_names": CIFAR100_FINE, "coarse_label_names": CIFAR100_COARSE})}


def generate_cifar10(out: Path, seed: int, deps: dict) -> dict:
    """cifar-10-python.tar.gz: 5 train batches x 500 and a 1,000-image test batch."""
    train_y = _balanced_labels(seed, "train", 10, 250)
    test_y = _balanced_labels(seed, "test", 10, 100)
    train_x, test_x = _images(seed, "train", train_y, cifar10_image), _images(seed, "test", test_y, cifar10_image)
    members = {**cifar10_members(train_y, train_x, test_y, test_x, "smoke", 500), "cifar-10-batches-py/readme.html":
               b"<html><body>Synthetic CIFAR-10 stand-in (mldevbench smoke profile).</body></html>\n"}
    write_tar(out / "cifar-10-python.tar.gz", members, compress=True)
    return {"member_md5": {n.split("/")[-1]: md5_bytes(d) for n, d in members.items()},
            "num_train": 2500, "num_test": 1000,
            "baseline_fit": ridge_baseline(train_x, train_y, test_x, test_y, 10)}


def generate_cifar100(out: Path, seed: int, deps: dict) -> dict:
    """cifar-100-python.tar.gz: 30 train / 10 test images per fine class, real fine->coarse mapping."""
    train_y = _balanced_labels(seed, "train", 100, 30)
    test_y = _balanced_labels(seed, "test", 100, 10)
    train_x, test_x = _images(seed, "train", train_y, cifar100_image), _images(seed, "test", test_y, cifar100_image)
    members = {**cifar100_members(train_y, train_x, test_y, test_x, "smoke"), "cifar-100-python/file.txt~": b""}
    write_tar(out / "cifar-100-python.tar.gz", members, compress=True)
    return {"member_md5": {n.split("/")[-1]: md5_bytes(d) for n, d in members.items()},
            "num_train": 3000, "num_test": 1000,
            "baseline_fit": ridge_baseline(train_x, train_y, test_x, test_y, 100)}
