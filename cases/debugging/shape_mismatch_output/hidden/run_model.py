"""Smoke-test ClassifierModel: one forward pass on a batch of two 224x224 RGB images.

Grader copy: as the visible script, plus a report of what it checked, written to $MLDB_REPORT.
"""
import json
import os
import sys

import torch

from classifier_model import ClassifierModel


def write_report(**fields) -> None:
    path = os.environ.get("MLDB_REPORT")
    if path:
        with open(path, "w") as fh:
            json.dump(fields, fh)


def main() -> int:
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = ClassifierModel(num_classes=10).to(device).eval()
    images = torch.randn(2, 3, 224, 224, device=device)
    with torch.no_grad():
        logits = model(images)
    expected = (2, 10)
    shape_ok = tuple(logits.shape) == expected
    write_report(output_shape=list(logits.shape), input_shape=list(images.shape),
                 finite=bool(torch.isfinite(logits).all()) if shape_ok else False)
    if not shape_ok:
        print(f"Unexpected output shape {tuple(logits.shape)}, expected {expected}")
        return 1
    print("Model ran successfully")
    return 0


if __name__ == "__main__":
    sys.exit(main())
