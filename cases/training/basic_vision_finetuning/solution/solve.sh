#!/usr/bin/env bash
# Oracle for basic_vision_finetuning.
set -euo pipefail
python "$MLDB_SOLUTION_DIR/finetune.py"
