"""Learnable full-scale stand-ins of the performance tasks' real archives (tests only), in the real formats.

The smoke sources are sized for the smoke recipes; the full recipes hold out more (boolq: 1000 train rows for the
local validation; VOC: the last 200 train ids) and train pretrained-sized models from the stand-in weights (seeded
random), so on smoke bytes they have nothing to learn from. These are built by the same smoke generators with
larger counts and a stronger class signal (lower noise, no prototype mixing); the real loaders read them.
Runs in the task environment (numpy, PIL), as the smoke generators do:

    python -m tests.standin_data NAME FILES_DIR     (cwd = the repository root; NAME: a key of STANDINS)
"""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import numpy as np

from pytest_mldevbench.assets.smokegen import boolq, imagenette_perf, voc_perf
from pytest_mldevbench.assets.smokegen.cifar import cifar10_members, cifar100_members
from pytest_mldevbench.assets.smokegen.common import write_tar
from pytest_mldevbench.assets.smokegen.draw import synthetic_vision
from pytest_mldevbench.assets.smokegen.perf import cifar_rows, sample_seed, shuffled_labels

SEED = 2026
# boolq: the full validator holds out 1000 train rows for the local validation; the full recipe (batch 32, 500
# warm-up steps, 10 epochs) then gets BOOLQ_TRAIN - 1000 rows: 1200, 380 steps, all in the warm-up. Passages are
# the fact sentence alone (no filler): the label is whether it says "never", 13 tokens a pair, so a step is cheap
# on CPU. The randomly initialised stand-in TinyBERT stays at the majority class and then learns abruptly: the
# recipe's loop alone on 1000 rows reached 100 % between steps 160 and 192; the oracle trial (1200 rows, 2 cores)
# is at 100 % local accuracy from epoch 5 (step 190) of 10 and 100 % on the hidden split (bar 70 %).
BOOLQ_TRAIN, BOOLQ_HIDDEN, BOOLQ_FILLERS = 2200, 300, (0, 0)
# CIFAR: per-class colour prototypes (draw.synthetic_vision); 1000 a class for CIFAR-10 (the long-tailed cut keeps
# >= 9 of the rarest class), 300 a class for CIFAR-100 (the ViT-S recipe's 500 warm-up steps at batch 128 are ~2 of
# its 8 epochs); test 100 / 20 a class. Each is hard enough for its task's baseline recipe that `baseline-only` fails
# the full bar, as on the real data. CIFAR-10 by noise (sigma, mix): at (25, 0) the long-tailed
# baseline scored 100 % balanced (bar 75); at (160, 0.4) baseline 71.1 %, oracle 84.1 % (CPU; at (150, 0.4) on an
# H200: 72.8 / 85.9), and improve_cifar10_baseline's oracle 92.0 % (CPU, bar 85.69). CIFAR-100 by variety, not
# noise: the full oracle's randomly initialised ViT-S learns noisy prototypes worse than the baseline's small CNN
# (H100: oracle 40.5 / 47.3 % at (150, 0.3) / (135, 0.3), baseline 84.1 / 86.5; bar 88), so each class is C100_MODES
# clean prototypes, and the baseline's 10 % of the data (3 images a prototype) does not cover them: at 10 modes
# baseline 66.7 % (H100; CPU 68.0; 5 modes: 92.7, 20: 36.4), oracle 99.7 % (H100, trial 408 s).
C10_NOISE, C100_NOISE = (160.0, 0.4), (25.0, 0.0)
C100_MODES = 10
C10_TRAIN, C10_TEST, C100_TRAIN, C100_TEST = 1000, 100, 300, 20
# imagenette (64 px; the full recipe resizes to 160): more images (50 % noisy labels), less noise. VOC: 300 train
# ids (full: the last 200 are the local validation), 240 px so the recipe's 480 crops of 0.5-2x rescales are not
# mostly padding
IMAGENETTE = dict(SIGMA=25.0, MIX=0.0, PER_CLASS={"train": 500, "val": 100})
VOC = dict(SIZE=240, COUNTS={"train": 300, "val": 60})


@contextlib.contextmanager
def _constants(module, values: dict):
    """The generator module's size/noise constants set to `values` for the duration."""
    old = {k: getattr(module, k) for k in values}
    for k, v in values.items():
        setattr(module, k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            setattr(module, k, v)


def _boolq(files: Path) -> None:
    splits = {"train": boolq.rows(SEED, "train", BOOLQ_TRAIN, 0.62, BOOLQ_FILLERS),
              "val": boolq.rows(SEED, "val", BOOLQ_HIDDEN, 0.62, BOOLQ_FILLERS),
              "test": boolq.rows(SEED, "test", 100, 0.62, BOOLQ_FILLERS)}
    boolq.write_boolq_zip(files / "BoolQ.zip", splits)


def _vision(classes: int, per_class: int, split: str, noise: tuple[float, float], modes: int = 1
            ) -> tuple[list[int], np.ndarray]:
    """Labels and CIFAR rows; with `modes` > 1 each class is that many prototypes, one drawn per image."""
    y = shuffled_labels(SEED + classes, split, [per_class] * classes)
    mode = np.random.default_rng(sample_seed(SEED + modes, split)).integers(modes, size=len(y))
    sub = [label * modes + int(m) for label, m in zip(y, mode)]
    return y, cifar_rows(synthetic_vision(sub, classes * modes, SEED + classes, sample_seed(SEED + classes, split),
                                          *noise))


def _cifar10(files: Path) -> None:
    (train_y, train_x), (test_y, test_x) = (_vision(10, C10_TRAIN, "train", C10_NOISE),
                                            _vision(10, C10_TEST, "test", C10_NOISE))
    write_tar(files / "cifar-10-python.tar.gz",
              cifar10_members(train_y, train_x, test_y, test_x, "standin", len(train_y) // 5), compress=True)


def _cifar100(files: Path) -> None:
    (train_y, train_x), (test_y, test_x) = (_vision(100, C100_TRAIN, "train", C100_NOISE, C100_MODES),
                                            _vision(100, C100_TEST, "test", C100_NOISE, C100_MODES))
    write_tar(files / "cifar-100-python.tar.gz", cifar100_members(train_y, train_x, test_y, test_x, "standin"),
              compress=True)


def _imagenette(files: Path) -> None:
    with _constants(imagenette_perf, IMAGENETTE):
        imagenette_perf.generate(files, SEED, {})


def _voc(files: Path) -> None:
    with _constants(voc_perf, VOC):
        voc_perf.generate(files, SEED, {})


STANDINS = {"boolq": _boolq, "cifar-10": _cifar10, "cifar-100": _cifar100, "imagenette2-160": _imagenette,
            "voc2012-seg": _voc}


if __name__ == "__main__":
    Path(sys.argv[2]).mkdir(parents=True, exist_ok=True)
    STANDINS[sys.argv[1]](Path(sys.argv[2]))
