#!/usr/bin/env bash
# Oracle for noisy_dataset_download: fetch and extract the archive, then export labels and counts.
set -euo pipefail
url=$(python - <<'PY'
import json, os, re
prompt = json.load(open(os.environ["MLDB_TRIAL_JSON"]))["prompt"]
print(re.search(r"https?://\S+?imagenette2-160\.tgz", prompt).group(0))
PY
)
curl -fsSL "$url" -o imagenette2-160.tgz
tar xzf imagenette2-160.tgz
rm imagenette2-160.tgz
python - <<'PY'
import json
import pandas as pd

root = "imagenette2-160"
df = pd.read_csv(f"{root}/noisy_imagenette.csv")
labels = df[["path", "noisy_labels_50"]].rename(columns={"noisy_labels_50": "label"})
labels.to_csv("all_noisy_labels_50.csv", index=False)
wnids = sorted({p.split("/")[1] for p in df["path"]})
for split, out in (("train", "train_class_counts.csv"), ("val", "validation_class_counts.csv")):
    rows = labels[labels["path"].str.startswith(split + "/")]
    counts = rows["label"].value_counts().reindex(wnids, fill_value=0)
    pd.DataFrame({"class": wnids, "count": counts.values.astype(int)}).to_csv(out, index=False)
json.dump({"dataset_path": root}, open("dataset_info.json", "w"), indent=2)
print(f"{len(labels)} rows; train counts written for {len(wnids)} classes")
PY
