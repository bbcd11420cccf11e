#!/usr/bin/env bash
# Oracle for bert_eval_debug: feed all tokenizer outputs (token_type_ids too) to the model. The grader
# runs evaluate.py itself (twice, on the given and on a hidden variant of the data), so the oracle does not.
set -euo pipefail
python "$MLDB_SOLUTION_DIR/fix.py" evaluate.py
