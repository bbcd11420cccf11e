"""Trusted checks that read files (run as a judge script; nothing of the agent's is imported).

    check_artifacts.py run RUN_DIR MNIST_DIR ITERATIONS INPUTS_DIR OBSERVED_DIR
                                                      -> best_model.pth + train_metrics.json of the run
    check_artifacts.py datasets INPUTS_DIR OBSERVED_DIR MNIST_DIR -> get_datasets/get_dataloaders vs the served MNIST

`run` loads best_model.pth (weights_only, strict) into the reference model and recomputes its accuracy on the
whole served test split with the reference validation pipeline of the pair the agent's transforms match
(normalised, unless its observed validation transform equals the unnormalised one). Prints one JSON line {"problems": [...], ...}.
"""
import gzip
import json
import math
import os
import sys

import numpy as np
import torch


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


def load(folder, name):
    path = os.path.join(folder, name + ".json")
    if os.path.isfile(path):
        return json.load(open(path))
    return torch.load(os.path.join(folder, name + ".pt"), weights_only=True, map_location="cpu")


def datasets(inputs_dir, observed_dir, folder):
    try:
        got = load(observed_dir, "datasets")
    except OSError:
        return ["get_datasets()/get_dataloaders() gave no observation (the probe failed)"]
    fractions = load(inputs_dir, "inputs")["fractions"]
    problems = []
    for key, split in (("train", "train"), ("test", "test"), ("train_loader", "train"), ("val_loader", "test")):
        images, labels = mnist(folder, split)
        g, idx = got[key], [int(f * len(labels)) for f in fractions]
        if g["type"] != "MNIST" or g["len"] != len(labels) or not torch.equal(torch.as_tensor(g["targets"]).long(), labels) \
                or g["idx"] != idx or not torch.equal(torch.as_tensor(g["data"]), images[idx]):
            problems.append(f"{key}: not the served MNIST {split} split (a {g['type']} of {g['len']} images)")
    return problems


def normalised_pair(inputs_dir, observed_dir):
    """False only when the observed validation transform equals the unnormalised reference on the drawn digits."""
    from PIL import Image

    import mnist_reference as ref  # imported by `run` only: `datasets` needs no torchvision (2-3 s to import)
    try:
        got, digits = load(observed_dir, "transforms")["val"], load(inputs_dir, "inputs")["digits"]
    except (OSError, KeyError, TypeError):
        return True
    plain = ref.val_transform(False)
    return not all(torch.allclose(torch.as_tensor(g), plain(Image.fromarray(d.numpy(), mode="L")), atol=1e-5)
                   for g, d in zip(got, digits))


def run(run_dir, folder, iterations, inputs_dir, observed_dir):
    from PIL import Image

    import mnist_reference as ref  # see normalised_pair
    problems, out = [], {}
    try:
        metrics = json.load(open(os.path.join(run_dir, "train_metrics.json")))
        history, best = metrics["metrics_history"], metrics["best_val_acc"]
        accs = [h["val_acc"] for h in history]
        assert len(history) == 2, f"{len(history)} epochs in metrics_history, expected 2"
        assert all(isinstance(a, (int, float)) and math.isfinite(a) for a in accs + [best]), "non-finite accuracies"
        assert best == max(accs), f"best_val_acc {best} is not the best val_acc of the history"
        assert accs[1] > accs[0], f"epoch 2's val_acc {accs[1]} does not beat epoch 1's {accs[0]}"
        out["best_val_acc"], best_epoch = float(best), accs.index(best) + 1
    except (OSError, ValueError, KeyError, TypeError, AssertionError) as exc:
        problems.append(f"train_metrics.json: {type(exc).__name__}: {exc}"[:300])
        best_epoch = None
    try:
        state = torch.load(os.path.join(run_dir, "best_model.pth"), map_location="cpu", weights_only=True)
        model = ref.model(10)
        model.load_state_dict(state, strict=True)
    except Exception as exc:  # noqa: BLE001 - any failure to load is the answer
        return problems + [f"best_model.pth does not load into the reference model: {type(exc).__name__}: {exc}"[:300]], out
    tracked = {int(v) for k, v in state.items() if k.endswith("num_batches_tracked")}
    if best_epoch is not None and tracked != {int(iterations) * best_epoch}:
        problems.append(f"the BatchNorm layers counted {sorted(tracked)} training batches; the best epoch "
                        f"({best_epoch}) ends after {int(iterations) * best_epoch}")
    images, labels = mnist(folder, "test")
    transform, correct = ref.val_transform(normalised_pair(inputs_dir, observed_dir)), 0
    model.eval()
    with torch.no_grad():
        for start in range(0, len(labels), 500):
            x = torch.stack([transform(Image.fromarray(a.numpy(), mode="L")) for a in images[start:start + 500]])
            correct += (model(x).argmax(dim=1) == labels[start:start + 500]).sum().item()
    out["accuracy"] = 100.0 * correct / len(labels)
    return problems, out


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    problems, extra = (datasets(*args), {}) if mode == "datasets" else run(*args)
    print(json.dumps({"problems": problems, **extra}))
