"""Recompute what a training_files_debug checkpoint claims, with the bug-free reference code only.

usage: python eval_ckpt.py <checkpoint> <cifar data dir>

Loads the checkpoint with torch.load(weights_only=True), compares its state_dict with the reference
CIFAR10Classifier (names and shapes), loads it into the reference model and evaluates it on the reference
80/20 split's validation part with the eval transform. Prints one JSON line.
"""
import json
import math
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_cifar10_classifier.data import CIFAR10DataModule  # noqa: E402
from reference_cifar10_classifier.model import CIFAR10Classifier  # noqa: E402


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
    ckpt_path, data_dir = sys.argv[1], sys.argv[2]
    try:
        checkpoint = torch.load(ckpt_path, map_location="cpu", weights_only=True)
        state = checkpoint.get("state_dict") or {}
    except Exception as exc:  # not a loadable (weights-only) checkpoint: report, do not crash
        print(json.dumps({"load_error": f"{type(exc).__name__}: {exc}"[:500]}))
        return
    reference = CIFAR10Classifier()
    want = {k: tuple(v.shape) for k, v in reference.state_dict().items()}
    got = {k: tuple(v.shape) for k, v in state.items() if isinstance(v, torch.Tensor)}
    result = {
        "epoch": checkpoint.get("epoch"),
        "global_step": checkpoint.get("global_step"),
        "adam_steps": sorted(set(adam_steps(checkpoint))),
        "keys_match": got == want,
        "missing": sorted(set(want) - set(got))[:5],
        "unexpected": sorted(set(got) - set(want))[:5],
        "shape_mismatches": [k for k in want if k in got and got[k] != want[k]][:5],
    }
    datamodule = CIFAR10DataModule(data_dir=data_dir, batch_size=256, num_workers=0)
    datamodule.setup("fit")
    result["n_train"], result["n_val"] = len(datamodule.cifar_train), len(datamodule.cifar_val)
    result["steps_per_epoch"] = math.ceil(result["n_train"] / 32)
    if result["keys_match"]:
        reference.load_state_dict(state, strict=True)
        loader = DataLoader(datamodule.cifar_val, batch_size=256, shuffle=False)
        result["val_loss"], result["val_acc"] = evaluate(reference, loader)
        result["finite"] = math.isfinite(result["val_loss"])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
