"""Recompute what a training_files_debug checkpoint claims, with the bug-free reference definitions only.

usage: python eval_ckpt.py <checkpoint> <cifar-10 asset dir>  (the tarball is extracted into the cwd)

Loads the checkpoint with torch.load(weights_only=True), compares its state_dict with the reference
classifier's (the timm backbone under `model.` as given, or the original's `backbone.`: names, shapes), loads
it into that backbone and evaluates it on the reference 80/20 split's validation part with the eval transform.
The training evidence (adam_evidence.py) compares the BatchNorm weights and biases with their initial values,
which timm fixes at 1 and 0 whatever the seed: a correct package may build the backbone after other draws (a
1000-class model then reset_classifier(10), a new nn.Linear head, an example_input_array drawn first), so the
other weights' init cannot be rebuilt from train.py's seed.
Prints one JSON line. It does not import Lightning (the reference package needs it only to train): the import
alone costs about 9 s of the 60 s smoke budget. The split and transform here are the reference data module's
contract, which the hidden tests check the agent's package against.
"""
import json
import math
import sys
import tarfile
from pathlib import Path

import timm
import torch
import torch.nn.functional as F
from adam_evidence import adam_alignment
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import transforms
from torchvision.datasets import CIFAR10, cifar

# The tarball is the grader's copy of the served asset (ours, trusted); in the smoke profile its files have their
# own MD5s, which torchvision's tables do not know.
cifar.check_integrity = lambda *args, **kwargs: True

CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)
BATCH_SIZE = 32  # the training script's
PREFIXES = ("model.", "backbone.")  # the given attribute name, and the original benchmark's


def reference_model() -> torch.nn.Module:
    """The reference classifier's network: its state_dict is this backbone's under one prefix (PREFIXES)."""
    return timm.create_model("mobilenetv2_035", pretrained=False, num_classes=10)


def reference_split(data_dir: str) -> tuple[int, Subset]:
    """(train size, val subset): the seed-42 80/20 random_split, val images eval-transformed only."""
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(CIFAR10_MEAN, CIFAR10_STD)])
    full = CIFAR10(data_dir, train=True, transform=transform)
    n_train = int(0.8 * len(full))
    _, val = random_split(range(len(full)), [n_train, len(full) - n_train], generator=torch.Generator().manual_seed(42))
    return n_train, Subset(full, val.indices)


def batchnorm_params(model: torch.nn.Module) -> list[tuple[torch.Tensor, float, int]]:
    """(parameter, initial value, index in model.parameters()) of every affine BatchNorm's weight (1) and bias (0):
    timm's init, whatever the seed or the order of the random draws before and after the backbone is built."""
    index = {id(p): i for i, p in enumerate(model.parameters())}
    return [(p, init, index[id(p)]) for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d) and m.affine
            for p, init in ((m.weight, 1.0), (m.bias, 0.0))]


def training_evidence(checkpoint: dict, model: torch.nn.Module) -> dict:
    """adam_alignment of the loaded `model`'s BatchNorm parameters against their seed-independent init and the
    first optimizer's state (Lightning saves it keyed by the parameter's index in model.parameters(), one group)."""
    opts = [o for o in checkpoint.get("optimizer_states") or [] if isinstance(o, dict)]
    state = opts[0].get("state") or {} if opts else {}
    groups = opts[0].get("param_groups") or [{}] if opts else [{}]
    norms = batchnorm_params(model)
    return adam_alignment([p for p, _, _ in norms], [torch.full_like(p, init) for p, init, _ in norms],
                          [state.get(i) for _, _, i in norms], groups[0] if isinstance(groups[0], dict) else {})


def adam_moments(checkpoint: dict) -> tuple[int, int]:
    """(tensors with Adam state, those whose exp_avg or exp_avg_sq is all zero or not finite)."""
    states = [s for opt in checkpoint.get("optimizer_states") or [] if isinstance(opt, dict)
              for s in (opt.get("state") or {}).values()]
    bad = sum(1 for s in states if not isinstance(s, dict) or not all(isinstance(s.get(k), torch.Tensor) and s[k].any() and s[k].isfinite().all()
                                          for k in ("exp_avg", "exp_avg_sq")))
    return len(states), bad


def norm_shift(model: torch.nn.Module) -> float:
    """The smallest, over BatchNorm layers, of the mean |weight - 1| + |bias|: timm initialises every BatchNorm
    to weight 1 and bias 0 whatever the seed, and training moves them; an untrained network gives 0."""
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d) and m.affine]
    with torch.no_grad():  # a NaN anywhere makes the result NaN (torch's min propagates it)
        return torch.stack([(m.weight - 1).abs().mean() + m.bias.abs().mean() for m in norms]).min().item()


def adam_steps(checkpoint: dict) -> list[int]:
    """The step counters of the saved Adam state (one per parameter with state)."""
    steps = []
    for opt in checkpoint.get("optimizer_states") or []:
        for state in (opt.get("state") or {}).values():
            step = state.get("step")
            if step is not None:
                steps.append(int(float(step)))
    return steps


@torch.no_grad()
def evaluate(model: torch.nn.Module, loader: DataLoader) -> tuple[float, float]:
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    for images, labels in loader:
        logits = model(images)
        total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
        correct += (logits.argmax(dim=1) == labels).sum().item()
        count += labels.numel()
    return total_loss / count, correct / count


def main() -> None:
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    ckpt_path, data_dir = sys.argv[1], "data"
    with tarfile.open(Path(sys.argv[2]) / "cifar-10-python.tar.gz") as tar:
        tar.extractall(data_dir, filter="data")
    try:
        checkpoint = torch.load(ckpt_path, map_location="cpu", weights_only=True)
        state = checkpoint.get("state_dict") or {}
    except Exception as exc:  # not a loadable (weights-only) checkpoint: report, do not crash
        print(json.dumps({"load_error": f"{type(exc).__name__}: {exc}"[:500]}))
        return
    reference = reference_model()
    got = {k: tuple(v.shape) for k, v in state.items() if isinstance(v, torch.Tensor)}
    prefix = next((p for p in PREFIXES if any(k.startswith(p) for k in got)), PREFIXES[0])
    want = {f"{prefix}{k}": tuple(v.shape) for k, v in reference.state_dict().items()}
    result = {
        "epoch": checkpoint.get("epoch"),
        "global_step": checkpoint.get("global_step"),
        "adam_steps": sorted(set(adam_steps(checkpoint))),
        "keys_match": got == want,
        "n_trainable": sum(1 for p in reference.parameters() if p.requires_grad),
        "missing": sorted(set(want) - set(got))[:5],
        "unexpected": sorted(set(got) - set(want))[:5],
        "shape_mismatches": [k for k in want if k in got and got[k] != want[k]][:5],
    }
    result["adam_states"], result["adam_zero_moments"] = adam_moments(checkpoint)
    n_train, val = reference_split(data_dir)
    result["n_train"], result["n_val"] = n_train, len(val)
    result["steps_per_epoch"] = math.ceil(n_train / BATCH_SIZE)
    if result["keys_match"]:
        reference.load_state_dict({k.removeprefix(prefix): v for k, v in state.items()}, strict=True)
        result["norm_shift"] = norm_shift(reference)
        result.update(training_evidence(checkpoint, reference))
        loader = DataLoader(val, batch_size=256, shuffle=False)
        result["val_loss"], result["val_acc"] = evaluate(reference, loader)
        result["finite"] = math.isfinite(result["val_loss"])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
