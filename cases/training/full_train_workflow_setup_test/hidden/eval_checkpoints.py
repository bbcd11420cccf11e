"""Judge (trusted; GPU in full): checks 2-5 on a collected copy of the agent's checkpoints/, read as data.

usage: eval_checkpoints.py <checkpoints dir> <reference model dir> <imagenette archive (.tgz)>
                           <training_metrics.json> <max report gap>
Every checkpoint is loaded with weights_only=True; the final model_state_dict (epoch 4, else the last file by
name) is loaded strictly into a
Dinov2ForImageClassification built here from the served config, correlated with the served backbone, and
scored on every val image of the archive (labels: its noisy_labels_50 column, the true class for val rows).
training_metrics.json (a bounded copy) is cross-checked with that accuracy ("metrics_problems").
Prints one JSON object.
"""
import csv
import hashlib
import io
import json
import math
import sys
import tarfile
from pathlib import Path, PurePosixPath

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import load_file
from transformers import Dinov2Config, Dinov2ForImageClassification

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)


def strip(key: str) -> str:
    return key[len("dinov2."):] if key.startswith("dinov2.") else key


def fingerprint(state) -> str | None:
    """A digest of a state dict's tensors (None when it is not a dict of tensors)."""
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        return None
    digest = hashlib.sha256()
    for key in sorted(state):
        digest.update(key.encode() + b"\0" + state[key].detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def val_set(archive: Path):
    """(sorted wnids, [(image bytes, wnid)]) for the archive's val rows, labelled by its noisy_labels_50 column."""
    with tarfile.open(archive) as tar:
        members = {PurePosixPath(m.name).relative_to(PurePosixPath(m.name).parts[0]).as_posix(): m
                   for m in tar.getmembers() if m.isfile() and len(PurePosixPath(m.name).parts) > 1}
        rows = csv.DictReader(io.TextIOWrapper(tar.extractfile(members["noisy_imagenette.csv"]), encoding="utf-8"))
        labels = {r["path"]: r["noisy_labels_50"] for r in rows if r["path"].startswith("val/")}
        classes = sorted({PurePosixPath(p).parts[1] for p in members if PurePosixPath(p).parts[0] == "train"
                          and len(PurePosixPath(p).parts) == 3})
        return classes, [(tar.extractfile(members[p]).read(), w) for p, w in sorted(labels.items())]


def finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def metrics_problems(path: Path, accuracy, gap: float) -> list[str]:
    """training_metrics.json: best_val_acc in percent, at least the recomputed accuracy of the final model."""
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        metrics = None
    best = metrics.get("best_val_acc") if isinstance(metrics, dict) else None
    if not (finite(best) and 0 <= best <= 100):
        return [f"training_metrics.json missing or best_val_acc {best!r} is not a percentage"]
    if not (finite(accuracy) and best >= accuracy - gap):
        return [f"best_val_acc {best} is below the recomputed accuracy of the final model ({accuracy})"]
    return []


def as_epoch(ck):
    """The checkpoint's epoch: None when absent, an int when integral, else its repr."""
    v = ck.get("epoch") if isinstance(ck, dict) else None
    if isinstance(v, torch.Tensor) and v.numel() == 1:
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return v if v is None or (isinstance(v, int) and not isinstance(v, bool)) else repr(v)


def evaluate(ckpt_dir: Path, ref: Path, archive: Path) -> dict:
    out = {"files": [], "epochs": [], "loaded": False, "distinct": False, "strict_ok": False, "pearson": None,
           "accuracy": None}
    files = sorted(p for p in ckpt_dir.iterdir() if p.suffix in (".pt", ".ckpt") and p.is_file()) \
        if ckpt_dir.is_dir() else []
    out["files"] = [p.name for p in files]
    final, problems, prints = None, [], []
    loaded = []
    for p in files:
        try:
            loaded.append(torch.load(p, map_location="cpu", weights_only=True))
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{p.name}: not loadable with weights_only=True ({type(exc).__name__}: {str(exc)[:200]})")
            continue
        out["epochs"].append(as_epoch(loaded[-1]))
        prints.append(fingerprint(loaded[-1].get("model_state_dict") if isinstance(loaded[-1], dict) else None))
    out["load_problems"] = problems
    out["loaded"] = not problems and len(files) > 0
    # `epoch` is optional; when given, the four files are epochs 1-4
    out["epochs_ok"] = all(e is None for e in out["epochs"]) or sorted(map(str, out["epochs"])) == ["1", "2", "3", "4"]
    # one checkpoint per epoch: each epoch of training leaves different weights
    out["distinct"] = None not in prints and len(set(prints)) == len(prints)
    # the final model: the one marked epoch 4, else (like the original) the last file by name
    final = next((ck for ck in loaded if as_epoch(ck) == 4), loaded[-1] if loaded and out["loaded"] else None)
    if not isinstance(final, dict):
        return out
    image_size = final.get("image_size", 224)  # optional; 224 when absent
    out["image_size"] = image_size if isinstance(image_size, int) else repr(image_size)
    model = Dinov2ForImageClassification(Dinov2Config.from_pretrained(str(ref), num_labels=10))
    state = final.get("model_state_dict")
    try:
        model.load_state_dict(state, strict=True)
        out["strict_ok"] = True
    except Exception as exc:  # noqa: BLE001
        out["strict_error"] = f"{type(exc).__name__}: {str(exc)[:600]}"
        return out

    ref_state = {strip(k): v.float() for k, v in load_file(str(ref / "model.safetensors")).items()}
    mine = {strip(k): v.float() for k, v in state.items() if k.startswith("dinov2.")}
    keys = sorted(k for k, v in ref_state.items() if v.dim() >= 2 and k in mine and mine[k].shape == v.shape)
    a = torch.cat([mine[k].flatten() for k in keys])
    b = torch.cat([ref_state[k].flatten() for k in keys])
    out["pearson"] = float(torch.corrcoef(torch.stack([a, b]))[0, 1])

    if not (isinstance(image_size, int) and not isinstance(image_size, bool) and 14 <= image_size <= 1024):
        out["accuracy_error"] = f"image_size {image_size!r} is not an int in 14..1024"
        return out
    classes, items = val_set(archive)
    index = {w: i for i, w in enumerate(classes)}
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device).eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(items), 32):
            chunk = items[i:i + 32]
            xs = []
            for data, _ in chunk:
                arr = np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).copy()
                x = torch.from_numpy(arr).permute(2, 0, 1).float().div(255.0)
                x = F.interpolate(x[None], size=(image_size, image_size), mode="bilinear", antialias=True,
                                  align_corners=False)[0]
                xs.append((x - MEAN) / STD)
            logits = model(pixel_values=torch.stack(xs).to(device)).logits.float().cpu()
            y = torch.tensor([index[w] for _, w in chunk])
            correct += int((logits.argmax(1) == y).sum())
    out["accuracy"] = 100.0 * correct / len(items)
    out["num_val"] = len(items)
    return out


def main():
    out = evaluate(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
    out["metrics_problems"] = metrics_problems(Path(sys.argv[4]), out["accuracy"], float(sys.argv[5]))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
