#!/usr/bin/env bash
# Oracle for vit_debugging: fix the planted bugs under dino_v2/ with anchored edits, then run the tests.
set -euo pipefail
python "$MLDB_SOLUTION_DIR/fix.py" .
python -m pytest -q -p no:cacheprovider test_vision_transformer.py
