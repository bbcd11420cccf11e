"""Trusted checks that read files (run as a judge script; nothing of the agent's is imported).

    check_artifacts.py datasets INPUTS_DIR OBSERVED_DIR MNIST_DIR  -> what get_datasets() gave vs the served MNIST
    check_artifacts.py run RUN_DIR MNIST_DIR                       -> best_model.pth + train_metrics.json of the run

Prints one JSON line {"problems": [...], ...}.
"""
import gzip
import json
import math
import os
import sys

import numpy as np
import torch

BATCHES_PER_EPOCH = 5


def idx_file(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return torch.from_numpy(np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape).copy())


def mnist(folder, split):
    prefix = "train" if split == "train" else "t10k"
    return (idx_file(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz")),
            idx_file(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz")).long())


def datasets(inputs_dir, observed_dir, folder):
    path = os.path.join(observed_dir, "datasets.pt")
    if not os.path.isfile(path):
        return ["get_datasets() gave no observation (the probe failed)"]
    got = torch.load(path, weights_only=True, map_location="cpu")
    fractions = json.load(open(os.path.join(inputs_dir, "inputs.json")))["fractions"] \
        if os.path.isfile(os.path.join(inputs_dir, "inputs.json")) else \
        torch.load(os.path.join(inputs_dir, "inputs.pt"), weights_only=True)["fractions"]
    problems = []
    for split in ("train", "test"):
        images, labels = mnist(folder, split)
        g = got[split]
        if g["type"] != "MNIST" or g["train"] != (split == "train") or g["len"] != len(labels):
            problems.append(f"{split}: a {g['type']} (train={g['train']}) of {g['len']} images, "
                            f"expected MNIST's {len(labels)}")
            continue
        if not torch.equal(torch.as_tensor(g["targets"]).long(), labels):
            problems.append(f"{split}: the labels differ from MNIST's")
        idx = [int(f * len(labels)) for f in fractions]
        if g["idx"] != idx or not torch.equal(torch.as_tensor(g["data"]), images[idx]):
            problems.append(f"{split}: the images differ from MNIST's")
    return problems


def run(run_dir, folder):
    from torchvision.models import mobilenet_v2  # here, not above: `datasets` needs no torchvision (2-3 s)

    problems, out = [], {}
    try:
        metrics = json.load(open(os.path.join(run_dir, "train_metrics.json")))
        history, best = metrics["metrics_history"], metrics["best_val_acc"]
        accs = [h["val_acc"] for h in history]
        assert [h["epoch"] for h in history] == [1, 2], "metrics_history must hold exactly epochs 1 and 2"
        assert all(isinstance(h[k], (int, float)) and math.isfinite(h[k]) for h in history
                   for k in ("train_loss", "val_loss", "train_acc", "val_acc")), "non-numeric or non-finite values"
        assert all(0 <= h[k] <= 100 for h in history for k in ("train_acc", "val_acc")), "accuracy outside [0, 100]"
        assert best == max(accs), f"best_val_acc {best} is not the best val_acc of the history"
        best_epoch = accs.index(best) + 1
    except (OSError, ValueError, KeyError, TypeError, AssertionError) as exc:
        return [f"train_metrics.json: {type(exc).__name__}: {exc}"[:300]], out
    try:
        state = torch.load(os.path.join(run_dir, "best_model.pth"), map_location="cpu", weights_only=True)
        model = mobilenet_v2(weights=None, num_classes=10)
        model.load_state_dict(state, strict=True)
    except Exception as exc:  # noqa: BLE001 - any failure to load is the answer
        return [f"best_model.pth does not load into a 10-class MobileNetV2: {type(exc).__name__}: {exc}"[:300]], out
    if not all(bool(torch.isfinite(v).all()) for v in state.values() if v.is_floating_point()):
        problems.append("best_model.pth holds non-finite values")
    tracked = {int(v) for k, v in state.items() if k.endswith("num_batches_tracked")}
    if tracked != {BATCHES_PER_EPOCH * best_epoch}:
        problems.append(f"the BatchNorm layers counted {sorted(tracked)} training batches; the best epoch "
                        f"({best_epoch}) ends after {BATCHES_PER_EPOCH * best_epoch}")
    images, labels = mnist(folder, "test")
    x = ((images[:512].float() / 255 - 0.1307) / 0.3081).unsqueeze(1).expand(-1, 3, -1, -1)
    x = torch.nn.functional.interpolate(x, size=32, mode="bilinear", antialias=True, align_corners=False)
    with torch.no_grad():
        out["held_out_accuracy"] = float((model.eval()(x).argmax(1) == labels[:512]).float().mean() * 100)
    return problems, out


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    problems, extra = (datasets(*args), {}) if mode == "datasets" else run(*args)
    print(json.dumps({"problems": problems, **extra}))
