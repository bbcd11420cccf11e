#!/usr/bin/env bash
# Oracle for shape_mismatch_train_two_bugs: 3-channel MNIST in both pipelines, class-axis argmax in validate. The
# grader runs the locked run_training.py itself (fresh outputs), so the oracle does not spend a training run on it.
set -euo pipefail
python "$MLDB_SOLUTION_DIR/fix.py" train.py
