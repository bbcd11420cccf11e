"""Grader helper (grading sandbox; GPU in full): checks 2-5 on the agent's checkpoints.

usage: eval_checkpoints.py <checkpoints dir> <reference model dir> <val image root> <labels json>
labels json: {"classes": [wnids sorted], "val": {"val/<wnid>/<file>": "<wnid>"}}
Prints one JSON object.
"""
import json
import sys
from pathlib import Path

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


def main():
    ckpt_dir, ref, val_root, labels_file = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
    out = {"files": [], "epochs": [], "loaded": False, "strict_ok": False, "pearson": None, "accuracy": None}
    files = sorted(p for p in ckpt_dir.iterdir() if p.suffix in (".pt", ".ckpt") and p.is_file()) \
        if ckpt_dir.is_dir() else []
    out["files"] = [p.name for p in files]
    final, problems = None, []
    for p in files:
        try:
            ck = torch.load(p, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{p.name}: not loadable with weights_only=True ({type(exc).__name__}: {str(exc)[:200]})")
            continue
        epoch = ck.get("epoch") if isinstance(ck, dict) else None
        out["epochs"].append(epoch if isinstance(epoch, int) and not isinstance(epoch, bool) else repr(epoch))
        if epoch == 4 and not isinstance(epoch, bool):
            final = ck
    out["load_problems"] = problems
    out["loaded"] = not problems and len(files) > 0
    if final is None:
        print(json.dumps(out))
        return
    image_size = final.get("image_size")
    out["image_size"] = image_size if isinstance(image_size, int) else repr(image_size)
    config = Dinov2Config.from_pretrained(str(ref), num_labels=10)
    model = Dinov2ForImageClassification(config)
    state = final.get("model_state_dict")
    try:
        model.load_state_dict(state, strict=True)
        out["strict_ok"] = True
    except Exception as exc:  # noqa: BLE001
        out["strict_error"] = f"{type(exc).__name__}: {str(exc)[:600]}"
        print(json.dumps(out))
        return
    out["elements"] = sum(v.numel() for v in state.values())

    ref_state = {strip(k): v.float() for k, v in load_file(str(ref / "model.safetensors")).items()}
    mine = {strip(k): v.float() for k, v in state.items() if k.startswith("dinov2.")}
    keys = sorted(k for k, v in ref_state.items() if v.dim() >= 2 and k in mine and mine[k].shape == v.shape)
    a = torch.cat([mine[k].flatten() for k in keys])
    b = torch.cat([ref_state[k].flatten() for k in keys])
    out["pearson"] = float(torch.corrcoef(torch.stack([a, b]))[0, 1])

    if not (isinstance(image_size, int) and 14 <= image_size <= 1024 and image_size % 14 == 0):
        out["accuracy_error"] = f"image_size {image_size!r} is not a multiple of 14"
        print(json.dumps(out))
        return
    labels = json.loads(labels_file.read_text())
    index = {w: i for i, w in enumerate(labels["classes"])}
    items = sorted(labels["val"].items())
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device).eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(items), 32):
            chunk = items[i:i + 32]
            xs = []
            for path, _ in chunk:
                arr = np.asarray(Image.open(val_root / path).convert("RGB")).copy()
                x = torch.from_numpy(arr).permute(2, 0, 1).float().div(255.0)
                x = F.interpolate(x[None], size=(image_size, image_size), mode="bilinear", antialias=True,
                                  align_corners=False)[0]
                xs.append((x - MEAN) / STD)
            logits = model(pixel_values=torch.stack(xs).to(device)).logits.float().cpu()
            y = torch.tensor([index[w] for _, w in chunk])
            correct += int((logits.argmax(1) == y).sum())
    out["accuracy"] = 100.0 * correct / len(items)
    out["num_val"] = len(items)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
