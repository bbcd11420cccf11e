"""UNTRUSTED step (runs in the agent's sandbox: an exported model is the agent's code).

usage: predict.py <model file> <output json> <images file>...
Each images file holds raw 28x28 uint8 images (no labels, in an order the grader drew); the model gets them as
(64, 1, 28, 28) float32 batches in [0, 1] and its argmax per image is written as {"<file stem>": [int, ...]}.
What this writes is an observation: the grader scores it against labels this process never sees.
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch


def predict(model, x: torch.Tensor) -> list[int]:
    out = []
    with torch.no_grad():
        for i in range(0, len(x), 64):
            batch = x[i:i + 64]
            n = len(batch)
            logits = model(torch.cat([batch, torch.zeros(64 - n, 1, 28, 28)]) if n < 64 else batch)
            logits = logits[0] if isinstance(logits, (tuple, list)) else logits
            if tuple(logits.shape) != (64, 3):
                raise SystemExit(f"model output has shape {tuple(logits.shape)}, expected (64, 3)")
            out += logits[:n].argmax(1).tolist()
    return out


def main(model_path, output, *image_files):
    torch.set_num_threads(1)
    model = torch.export.load(model_path).module() if model_path.endswith(".pt2") else \
        torch.jit.load(model_path, map_location="cpu")
    preds = {}
    for path in image_files:
        x = torch.from_numpy(np.fromfile(path, np.uint8).astype(np.float32) / 255.0).view(-1, 1, 28, 28)
        preds[Path(path).stem] = predict(model, x)
    Path(output).write_text(json.dumps(preds))


if __name__ == "__main__":
    main(*sys.argv[1:])
