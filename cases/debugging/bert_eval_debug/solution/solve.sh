#!/usr/bin/env bash
# Oracle for bert_eval_debug: feed all tokenizer outputs to the model at the training max_length, then evaluate.
set -euo pipefail
python "$MLDB_SOLUTION_DIR/fix.py" evaluate.py
python evaluate.py
