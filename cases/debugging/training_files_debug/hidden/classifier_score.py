"""Judge side of `grading.classify`: predictions.npy (read as data) against the hidden labels.

    python -I judge_runner.py script classifier_score.py PREDICTIONS.npy LABELS.json NUM_CLASSES
Prints one JSON line: {"ok", "error", "accuracy", "balanced_accuracy", "num_images"} (percent).
"""
import json
import sys

import numpy as np


def main(pred_path, labels_path, num_classes):
    labels = np.asarray(json.load(open(labels_path)), dtype=np.int64)
    out = {"ok": False, "error": "", "accuracy": None, "balanced_accuracy": None, "num_images": int(len(labels))}
    try:
        pred = np.load(pred_path, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001
        out["error"] = f"cannot read predictions: {type(exc).__name__}: {str(exc)[:200]}"
        return out
    if pred.dtype != np.int64 or pred.shape != labels.shape:
        out["error"] = f"predictions have dtype {pred.dtype} and shape {pred.shape}; expected int64 {labels.shape}"
        return out
    out["ok"] = True
    out["accuracy"] = float(100.0 * (pred == labels).mean())
    recalls = [float((pred[labels == c] == c).mean()) for c in range(num_classes) if (labels == c).any()]
    out["balanced_accuracy"] = float(100.0 * sum(recalls) / len(recalls))
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
