"""Smoke-test ClassifierModel: one forward pass on a batch of two 224x224 RGB images."""
import sys

import torch

from classifier_model import ClassifierModel


def main() -> int:
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = ClassifierModel(num_classes=10).to(device).eval()
    images = torch.randn(2, 3, 224, 224, device=device)
    with torch.no_grad():
        logits = model(images)
    expected = (2, 10)
    if tuple(logits.shape) != expected:
        print(f"Unexpected output shape {tuple(logits.shape)}, expected {expected}")
        return 1
    print("Model ran successfully")
    return 0


if __name__ == "__main__":
    sys.exit(main())
