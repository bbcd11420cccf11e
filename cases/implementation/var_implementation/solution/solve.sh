#!/usr/bin/env bash
# Oracle: install the reference VAR.forward / VAR.autoregressive_infer_cfg, then run the visible tests.
set -euo pipefail
cp "$MLDB_SOLUTION_DIR/var.py" var.py
python -m pytest -q -p no:cacheprovider test_var.py
