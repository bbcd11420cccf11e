"""Check that training in train.py is stable: 20 finite losses that go down."""
import math
import sys

from train import train


def main() -> int:
    seen = []
    losses = train(callback=lambda loss: seen.append(float(loss)))
    problems = []
    if len(losses) != 20:
        problems.append(f"expected 20 losses, got {len(losses)}")
    elif not all(math.isfinite(v) for v in losses):
        problems.append("some losses are inf or nan")
    elif not (losses[19] < losses[10] < losses[0]):
        problems.append(f"losses do not decrease: {losses[0]:.4g}, {losses[10]:.4g}, {losses[19]:.4g}")
    if problems:
        print("Training failed: " + "; ".join(problems))
        return 1
    print("Training successful")
    return 0


if __name__ == "__main__":
    sys.exit(main())
