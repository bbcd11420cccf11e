"""Run the MNIST training for two epochs and check what it produced."""
import json
import sys

import torch

from train import run_training


def main() -> int:
    model = run_training(num_epochs=2)

    # A batch of three ImageNet-sized images must give one score per digit class.
    device = next(model.parameters()).device
    model.eval()
    with torch.no_grad():
        output = model(torch.randn(3, 3, 224, 224, device=device))
    assert output.shape == (3, 10), f"expected output shape (3, 10), got {tuple(output.shape)}"

    with open("train_metrics.json") as f:
        metrics = json.load(f)
    assert "metrics_history" in metrics, "train_metrics.json has no metrics_history"
    assert "best_val_acc" in metrics, "train_metrics.json has no best_val_acc"
    assert len(metrics["metrics_history"]) == 2, "expected one metrics entry per epoch (2)"

    print("Training ran successfully")
    return 0


if __name__ == "__main__":
    sys.exit(main())
