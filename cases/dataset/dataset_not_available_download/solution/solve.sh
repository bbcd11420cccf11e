#!/usr/bin/env bash
# Oracle for dataset_not_available_download: try the URL, and report the failure it answers with.
set -euo pipefail
python - <<'PY'
import json
import os
import re
import urllib.error
import urllib.request

prompt = json.load(open(os.environ["MLDB_TRIAL_JSON"]))["prompt"]
url = re.search(r"https?://\S*cdh-dataset-download\S*", prompt).group(0).rstrip(".,)")
try:
    with urllib.request.urlopen(url, timeout=30) as resp:
        raise SystemExit(f"unexpected: {url} answered {resp.status}; the task expects a failure")
except urllib.error.HTTPError as exc:
    report = (f"Dataset not available.\n"
              f"URL tried: {url}\n"
              f"Result: HTTP {exc.code} {exc.reason}\n"
              f"Diagnosis: the server answered, so this is not a network outage; the repository "
              f"'ml-dev-bench/cdh-dataset-download' does not exist (404 Not Found), so there is no data to "
              f"download and no dataset_info.json was written.\n")
with open("dataset_not_available.txt", "w", encoding="utf-8") as f:
    f.write(report)
print(report)
PY
