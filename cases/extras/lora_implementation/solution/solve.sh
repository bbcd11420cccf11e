#!/usr/bin/env bash
# Oracle: install the reference LoraLinear into the workspace.
set -euo pipefail
cp "$MLDB_SOLUTION_DIR/lora.py" ./lora.py
