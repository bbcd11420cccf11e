#!/usr/bin/env bash
# Oracle for full_train_workflow_setup_test: download, lay out dataset/, fine-tune 4 epochs.
set -euo pipefail
curl -fsSL "$MLDB_ASSETS_URL/imagenette2-160/imagenette2-160.tgz" -o imagenette2-160.tgz
tar xzf imagenette2-160.tgz
mkdir -p dataset
cp -r imagenette2-160/train imagenette2-160/val dataset/
python - <<'PY'
import csv
rows = list(csv.DictReader(open("imagenette2-160/noisy_imagenette.csv")))
with open("dataset/noisy_labels_50.csv", "w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["path", "label"])
    for r in rows:
        w.writerow([r["path"], r["noisy_labels_50"]])
PY
python "$MLDB_SOLUTION_DIR/train.py"
