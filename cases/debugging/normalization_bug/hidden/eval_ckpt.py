"""Recompute test accuracy of best_model.pth on the full served MNIST test split; print one JSON line.

Loads the checkpoint with weights_only=True into the reference model (strict) and uses the reference
validation pipeline; no file of the agent is imported.
"""
import json
import sys
import tempfile

import torch
from torch.utils.data import DataLoader

import mnist_reference as ref


def main(path: str) -> None:
    result = {"loaded": False, "error": ""}
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model = ref.model(10)
        model.load_state_dict(state, strict=True)
    except Exception as exc:  # an unloadable checkpoint is the answer, not a crash of the grader
        result["error"] = f"{type(exc).__name__}: {exc}"[:500]
        print(json.dumps(result))
        return
    model.eval()
    with tempfile.TemporaryDirectory() as root:
        test_set = ref.served_mnist(root, train=False)
        test_set.transform = ref.val_transform()
        correct = 0
        with torch.no_grad():
            for inputs, labels in DataLoader(test_set, batch_size=256, shuffle=False):
                correct += (model(inputs).argmax(dim=1) == labels).sum().item()
    result.update(loaded=True, accuracy=100.0 * correct / len(test_set), num_images=len(test_set))
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "best_model.pth")
