"""Part 4 task bundles. Smoke: built from `draw.synthetic_vision`: CIFAR-format training data for the workspace,
the hidden evaluation split (under `eval/`, never served), and improve_cifar10_baseline's baseline checkpoint.
Full (`derive_*`): the same layout cut from the real archives the bundle is derived from (manifest `full_from`).

Layout of a bundle's files dir:
    <what prepare_workspace copies into data/ ...>     listed in the manifest's `files`
    eval/<split file>                                  hidden evaluation images and labels (grader only)
"""
from __future__ import annotations

import pickle
import tarfile
from pathlib import Path

import numpy as np

from .cifar import CIFAR10_NAMES, CIFAR100_COARSE, CIFAR100_FINE, FINE_TO_COARSE
from .common import md5_bytes, py2_pickle, rng
from .draw import synthetic_vision

# improve_cifar10_baseline (spec: 5 x 600 train images, sigma 50; hidden 1,000)
C10_SIGMA, C10_MIX, C10_PER_BATCH, C10_EVAL_PER_CLASS = 50.0, 0.0, 600, 100
# cifar_10_lt_performance (spec: 460 per class, sigma 100, mix 0.4; 10 per class to val; n_i = 450*0.01^(i/9))
LT_SIGMA, LT_MIX, LT_POOL, LT_VAL, LT_EVAL_PER_CLASS = 100.0, 0.4, 460, 10, 100
# full (spec: the first 20 training images per class to val_balanced, the long-tailed subset drawn with seed 0)
LT_FULL_VAL, LT_FULL_SEED = 20, 0
# cifar100_performance (spec: 30 train per class, sigma 85, mix 0.2; hidden 10 per class)
C100_SIGMA, C100_MIX, C100_TRAIN_PER_CLASS, C100_EVAL_PER_CLASS = 85.0, 0.2, 30, 10


def cifar_rows(images: np.ndarray) -> np.ndarray:
    """(N, 32, 32, 3) uint8 -> (N, 3072) rows: 1024 red, 1024 green, 1024 blue values (CIFAR layout)."""
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2).reshape(len(images), -1))


def shuffled_labels(seed: int, split: str, counts: list[int]) -> list[int]:
    labels = np.repeat(np.arange(len(counts)), counts)
    rng(seed, split, "order").shuffle(labels)
    return [int(x) for x in labels]


def sample_seed(seed: int, split: str) -> int:
    return int(rng(seed, split, "samples").integers(0, 2**31 - 1))


def _write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return md5_bytes(data)


# ---- improve_cifar10_baseline --------------------------------------------------------------------------------
def generate_cifar10_improve(out: Path, seed: int, deps: dict) -> dict:
    """cifar-10-batches-py/{data_batch_1..5, batches.meta}, eval/test_batch, pretrained_baseline.ckpt."""
    train_y = shuffled_labels(seed, "train", [5 * C10_PER_BATCH // 10] * 10)
    eval_y = shuffled_labels(seed, "eval", [C10_EVAL_PER_CLASS] * 10)
    train_x = cifar_rows(synthetic_vision(train_y, 10, seed, sample_seed(seed, "train"), C10_SIGMA, C10_MIX))
    eval_x = cifar_rows(synthetic_vision(eval_y, 10, seed, sample_seed(seed, "eval"), C10_SIGMA, C10_MIX))
    md5s = {}
    top = out / "cifar-10-batches-py"
    for b in range(5):
        sl = slice(C10_PER_BATCH * b, C10_PER_BATCH * (b + 1))
        md5s[f"data_batch_{b + 1}"] = _write(top / f"data_batch_{b + 1}", py2_pickle({
            "batch_label": f"training batch {b + 1} of 5", "labels": train_y[sl], "data": train_x[sl],
            "filenames": [f"smoke_{CIFAR10_NAMES[y]}_s_{C10_PER_BATCH * b + i:06d}.png"
                          for i, y in enumerate(train_y[sl])]}))
    md5s["batches.meta"] = _write(top / "batches.meta", py2_pickle(
        {"num_cases_per_batch": C10_PER_BATCH, "label_names": CIFAR10_NAMES, "num_vis": 3072}))
    md5s["test_batch"] = _write(out / "eval" / "test_batch", py2_pickle({
        "batch_label": "testing batch 1 of 1", "labels": eval_y, "data": eval_x,
        "filenames": [f"smoke_{CIFAR10_NAMES[y]}_t_{i:06d}.png" for i, y in enumerate(eval_y)]}))
    baseline = train_baseline_checkpoint(train_x, train_y, out / "pretrained_baseline.ckpt", seed)
    baseline["eval_accuracy"] = round(100.0 * lightning_cnn_accuracy(baseline.pop("_state"), eval_x, eval_y), 2)
    return {"member_md5": md5s, "num_train": len(train_y), "num_eval": len(eval_y), "sigma": C10_SIGMA,
            "baseline": baseline}


CIFAR10_MEAN, CIFAR10_STD = (0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)
BASELINE_STEPS, BASELINE_BATCH, BASELINE_LR = 8, 128, 1e-3


def _lightning_cnn_class():
    """The workspace's LightningCNN (same layers, same state-dict keys; its data code is not needed here)."""
    import lightning.pytorch as pl
    import torch
    from torch import nn

    class LightningCNN(pl.LightningModule):
        def __init__(self, learning_rate: float = 1e-3):
            super().__init__()
            self.save_hyperparameters()
            self.features = nn.Sequential(
                nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(128, 256, 3, padding=1), nn.ReLU(),
                nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(),
                nn.AdaptiveAvgPool2d(1))
            self.classifier = nn.Linear(256, 10)

        def forward(self, x):
            return self.classifier(torch.flatten(self.features(x), 1))

        def training_step(self, batch, batch_idx):
            x, y = batch
            return nn.functional.cross_entropy(self(x), y)

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=self.hparams.learning_rate)

    return LightningCNN


def _normalise(rows: np.ndarray):
    import torch
    x = torch.from_numpy(rows.reshape(-1, 3, 32, 32).astype(np.float32) / 255.0)
    mean, std = torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1), torch.tensor(CIFAR10_STD).view(1, 3, 1, 1)
    return (x - mean) / std


def train_baseline_checkpoint(train_x: np.ndarray, train_y: list[int], path: Path, seed: int) -> dict:
    """The baseline recipe (Adam 1e-3, batch 128, crop+flip) on the train slice, stopped after 8 steps."""
    import lightning.pytorch as pl
    import torch
    from torch.utils.data import DataLoader, Dataset

    n_train = int(0.9 * len(train_y))
    x, y = _normalise(train_x[:n_train]), torch.tensor(train_y[:n_train])

    class Augmented(Dataset):
        def __len__(self):
            return len(y)

        def __getitem__(self, i):
            g = torch.Generator().manual_seed(seed * 100003 + i)
            img = torch.nn.functional.pad(x[i], (4, 4, 4, 4))
            dy, dx = torch.randint(0, 9, (2,), generator=g).tolist()
            img = img[:, dy:dy + 32, dx:dx + 32]
            if torch.rand((), generator=g) < 0.5:
                img = img.flip(-1)
            return img, y[i]

    pl.seed_everything(42, workers=True, verbose=False)
    torch.set_num_threads(1)
    model = _lightning_cnn_class()(learning_rate=BASELINE_LR)
    trainer = pl.Trainer(max_steps=BASELINE_STEPS, accelerator="cpu", devices=1, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                         deterministic=True)
    trainer.fit(model, DataLoader(Augmented(), batch_size=BASELINE_BATCH, shuffle=True,
                                  generator=torch.Generator().manual_seed(42)))
    trainer.save_checkpoint(str(path))
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    return {"steps": BASELINE_STEPS, "batch_size": BASELINE_BATCH, "lr": BASELINE_LR, "_state": state,
            "num_parameters": sum(p.numel() for p in model.parameters())}


def lightning_cnn_accuracy(state: dict, rows: np.ndarray, labels: list[int]) -> float:
    import torch
    model = _lightning_cnn_class()()
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(b).argmax(1) for b in _normalise(rows).split(500)])
    return float((pred == torch.tensor(labels)).float().mean())


# ---- cifar_10_lt_performance -----------------------------------------------------------------------------------
def long_tailed_split(labels: list[int], num_classes: int, val_per_class: int, r) -> tuple[list[int], list[int]]:
    """Sorted indices of the balanced local validation (the first `val_per_class` images of each class in file
    order) and of the long-tailed subset, drawn with generator `r` without replacement from the rest of each
    class: n_i = floor(rest_i * 0.01 ** (i / (num_classes - 1))) (imbalance factor 100)."""
    val_idx, lt_idx = [], []
    for c in range(num_classes):
        idx = [i for i, y in enumerate(labels) if y == c]  # file order
        val_idx += idx[:val_per_class]
        rest = idx[val_per_class:]
        n = int(np.floor(len(rest) * 0.01 ** (c / (num_classes - 1))))
        lt_idx += sorted(int(i) for i in r.choice(rest, n, replace=False))
    return sorted(val_idx), sorted(lt_idx)


def _cifar_dict(rows, labels, tag: str, names: list[str], filenames: list[str] | None = None) -> bytes:
    filenames = filenames or [f"smoke_{names[y]}_{tag}_{i:06d}.png" for i, y in enumerate(labels)]
    return py2_pickle({"data": rows, "labels": labels, "filenames": filenames})


def _write_lt(out: Path, x: np.ndarray, y: list[int], val_idx: list[int], lt_idx: list[int],
              filenames: list[str] | None = None) -> dict:
    """cifar-10-lt/{train_lt, val_balanced} from the rows `x`/labels `y` at the given indices."""
    def part(idx, tag):
        return _cifar_dict(x[idx], [y[i] for i in idx], tag, CIFAR10_NAMES,
                           [filenames[i] for i in idx] if filenames else None)
    return {"train_lt": _write(out / "cifar-10-lt" / "train_lt", part(lt_idx, "lt")),
            "val_balanced": _write(out / "cifar-10-lt" / "val_balanced", part(val_idx, "val"))}


def generate_cifar10_lt(out: Path, seed: int, deps: dict) -> dict:
    """cifar-10-lt/{train_lt, val_balanced} and eval/test_batch (balanced, 100 per class)."""
    pool_y = shuffled_labels(seed, "pool", [LT_POOL] * 10)
    pool_x = cifar_rows(synthetic_vision(pool_y, 10, seed, sample_seed(seed, "pool"), LT_SIGMA, LT_MIX))
    val_idx, lt_idx = long_tailed_split(pool_y, 10, LT_VAL, rng(seed, "lt-subset"))
    eval_y = shuffled_labels(seed, "eval", [LT_EVAL_PER_CLASS] * 10)
    eval_x = cifar_rows(synthetic_vision(eval_y, 10, seed, sample_seed(seed, "eval"), LT_SIGMA, LT_MIX))
    md5s = _write_lt(out, pool_x, pool_y, val_idx, lt_idx)
    md5s["test_batch"] = _write(out / "eval" / "test_batch", _cifar_dict(eval_x, eval_y, "t", CIFAR10_NAMES))
    return {"member_md5": md5s, "class_counts": [sum(pool_y[i] == c for i in lt_idx) for c in range(10)],
            "num_train": len(lt_idx), "num_val": len(val_idx), "num_eval": len(eval_y), "sigma": LT_SIGMA,
            "mix": LT_MIX}


def derive_cifar10_lt(out: Path, seed: int, deps: dict) -> dict:
    """Full profile: the same bundle from the CIFAR-10 tarball (`deps["cifar-10"]`): val_balanced = the first
    LT_FULL_VAL training images of each class in file order, train_lt drawn with seed LT_FULL_SEED from the
    rest, eval/test_batch = the tarball's test_batch, byte for byte."""
    with tarfile.open(deps["cifar-10"] / "cifar-10-python.tar.gz") as tar:
        members = {m.name.split("/")[-1]: tar.extractfile(m).read() for m in tar if m.isfile()}
    batches = [pickle.loads(members[f"data_batch_{b}"], encoding="latin1") for b in range(1, 6)]
    x = np.concatenate([np.asarray(b["data"], dtype=np.uint8) for b in batches])
    y = [int(v) for b in batches for v in b["labels"]]
    names = [str(n) for b in batches for n in b["filenames"]]
    val_idx, lt_idx = long_tailed_split(y, 10, LT_FULL_VAL, np.random.default_rng(LT_FULL_SEED))
    md5s = _write_lt(out, x, y, val_idx, lt_idx, names)
    md5s["test_batch"] = _write(out / "eval" / "test_batch", members["test_batch"])
    return {"member_md5": md5s, "class_counts": [sum(y[i] == c for i in lt_idx) for c in range(10)],
            "num_train": len(lt_idx), "num_val": len(val_idx)}


# ---- cifar100_performance --------------------------------------------------------------------------------------
def generate_cifar100_perf(out: Path, seed: int, deps: dict) -> dict:
    """cifar-100-python/{train, meta} and eval/test (10 per fine class)."""
    coarse = [FINE_TO_COARSE[n] for n in CIFAR100_FINE]

    def batch(label, ys, xs, tag):
        return py2_pickle({"filenames": [f"smoke_{CIFAR100_FINE[y]}_{tag}_{i:06d}.png" for i, y in enumerate(ys)],
                           "batch_label": label, "fine_labels": ys, "coarse_labels": [coarse[y] for y in ys],
                           "data": xs})
    train_y = shuffled_labels(seed, "train", [C100_TRAIN_PER_CLASS] * 100)
    eval_y = shuffled_labels(seed, "eval", [C100_EVAL_PER_CLASS] * 100)
    train_x = cifar_rows(synthetic_vision(train_y, 100, seed, sample_seed(seed, "train"), C100_SIGMA, C100_MIX))
    eval_x = cifar_rows(synthetic_vision(eval_y, 100, seed, sample_seed(seed, "eval"), C100_SIGMA, C100_MIX))
    md5s = {
        "train": _write(out / "cifar-100-python" / "train", batch("training batch 1 of 1", train_y, train_x, "s")),
        "meta": _write(out / "cifar-100-python" / "meta", py2_pickle(
            {"fine_label_names": CIFAR100_FINE, "coarse_label_names": CIFAR100_COARSE})),
        "test": _write(out / "eval" / "test", batch("testing batch 1 of 1", eval_y, eval_x, "t")),
    }
    return {"member_md5": md5s, "num_train": len(train_y), "num_eval": len(eval_y), "sigma": C100_SIGMA,
            "mix": C100_MIX}


def derive_cifar100_perf(out: Path, seed: int, deps: dict) -> dict:
    """Full profile: cifar-100-python/{train, meta} and eval/test, byte for byte from the CIFAR-100 tarball."""
    places = {"train": out / "cifar-100-python" / "train", "meta": out / "cifar-100-python" / "meta",
              "test": out / "eval" / "test"}
    with tarfile.open(deps["cifar-100"] / "cifar-100-python.tar.gz") as tar:
        md5s = {name: _write(dest, tar.extractfile(f"cifar-100-python/{name}").read())
                for name, dest in places.items()}
    return {"member_md5": md5s}
