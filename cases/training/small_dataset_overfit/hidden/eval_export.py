"""Grader helper (grading sandbox, CPU): accuracy of the exported model on every reference image of digits 0-2.

usage: eval_export.py <model file> <dir with the four reference .gz files>
"""
import gzip
import json
import struct
import sys
from pathlib import Path

import numpy as np
import torch

DIGITS = (0, 1, 2)


def idx(path: Path) -> np.ndarray:
    data = gzip.decompress(path.read_bytes())
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(count, rows, cols)
    return np.frombuffer(data, np.uint8, offset=8)


def load(path: str):
    if path.endswith(".pt2"):
        return torch.export.load(path).module()
    return torch.jit.load(path, map_location="cpu")


def accuracy(model, images, labels) -> float:
    keep = np.isin(labels, DIGITS)
    x = torch.from_numpy(images[keep].astype(np.float32) / 255.0).unsqueeze(1)
    y = torch.from_numpy(labels[keep].astype(np.int64))
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 64):
            batch = x[i:i + 64]
            n = len(batch)
            if n < 64:
                batch = torch.cat([batch, torch.zeros(64 - n, 1, 28, 28)])
            out = model(batch)
            if isinstance(out, (tuple, list)):
                out = out[0]
            if tuple(out.shape) != (64, 3):
                raise SystemExit(f"model output has shape {tuple(out.shape)}, expected (64, 3)")
            correct += int((out[:n].argmax(1) == y[i:i + n]).sum())
    return correct / len(y)


def main():
    model_path, ref = sys.argv[1], Path(sys.argv[2])
    torch.set_num_threads(1)
    model = load(model_path)
    train = accuracy(model, idx(ref / "train-images-idx3-ubyte.gz"), idx(ref / "train-labels-idx1-ubyte.gz"))
    test = accuracy(model, idx(ref / "t10k-images-idx3-ubyte.gz"), idx(ref / "t10k-labels-idx1-ubyte.gz"))
    print(json.dumps({"train_accuracy": train, "test_accuracy": test}))


if __name__ == "__main__":
    main()
