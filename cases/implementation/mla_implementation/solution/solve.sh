#!/usr/bin/env bash
# Oracle: install the reference implementation of MLA.forward into the workspace.
set -euo pipefail
cp "$MLDB_SOLUTION_DIR/mla.py" ./mla.py
