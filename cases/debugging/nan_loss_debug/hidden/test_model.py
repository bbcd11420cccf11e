"""Check that training in train.py is stable: 20 finite losses that go down.

Grader copy: as the visible script, plus a report of what it checked, written to $MLDB_REPORT.
"""
import json
import math
import os
import sys

from train import train


def main() -> int:
    seen = []
    losses = train(callback=lambda loss: seen.append(float(loss.item())))
    problems = []
    if len(losses) != 20:
        problems.append(f"expected 20 losses, got {len(losses)}")
    elif not all(math.isfinite(v) for v in losses):
        problems.append("some losses are inf or nan")
    elif not (losses[19] < losses[10] < losses[0]):
        problems.append(f"losses do not decrease: {losses[0]:.4g}, {losses[10]:.4g}, {losses[19]:.4g}")
    report = os.environ.get("MLDB_REPORT")
    if report:
        with open(report, "w") as fh:
            json.dump({"losses": [float(v) for v in losses], "callback_losses": seen, "problems": problems}, fh)
    if problems:
        print("Training failed: " + "; ".join(problems))
        return 1
    print("Training successful")
    return 0


if __name__ == "__main__":
    sys.exit(main())
