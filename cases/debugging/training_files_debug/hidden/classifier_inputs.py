"""Judge side of `grading.classify`: turn a hidden CIFAR-format evaluation pickle into inputs only.

    python -I judge_runner.py script classifier_inputs.py EVAL_PICKLE LABELS_DIR INPUTS_DIR SEED
Writes INPUTS_DIR/inputs.npy (uint8 (N, 32, 32, 3), shuffled with SEED), which the prediction process reads,
and LABELS_DIR/labels.json (the labels in that order), which it never sees. Prints {"num_images": N}.
"""
import json
import os
import pickle
import sys

import numpy as np


def main(eval_path, labels_dir, out_dir, seed):
    with open(eval_path, "rb") as f:
        batch = pickle.load(f, encoding="latin1")
    labels = np.asarray(batch["labels"] if "labels" in batch else batch["fine_labels"], dtype=np.int64)
    images = np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    order = np.random.default_rng(seed).permutation(len(labels))
    os.makedirs(out_dir, exist_ok=True)
    np.save(os.path.join(out_dir, "inputs.npy"), np.ascontiguousarray(images[order]))
    with open(os.path.join(labels_dir, "labels.json"), "w") as f:
        json.dump(labels[order].tolist(), f)
    return {"num_images": int(len(labels))}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))))
