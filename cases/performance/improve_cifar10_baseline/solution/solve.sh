#!/usr/bin/env bash
# Oracle for improve_cifar10_baseline: fine-tune the given checkpoint with AdamW + per-step cosine on all
# training data (smoke: 3 epochs on CPU; full: 30 epochs on the GPU), save it as
# lightning_checkpoints/cifar10-finetuned.ckpt (the only checkpoint there, so the graded last one), check it locally.
set -euo pipefail
EPOCHS=3
if [ "${MLDB_PROFILE:-smoke}" = "full" ]; then EPOCHS=30; fi
cp "$MLDB_SOLUTION_DIR/finetune.py" ./oracle_finetune.py
python oracle_finetune.py --epochs "$EPOCHS"
python test_model.py --checkpoint lightning_checkpoints/cifar10-finetuned.ckpt
