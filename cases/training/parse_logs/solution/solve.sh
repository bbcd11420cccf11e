#!/usr/bin/env bash
# Oracle for parse_logs: the last epoch summary line and the last RuntimeError line, by regex.
set -euo pipefail
python - <<'PY'
import json, re
text = open("training/training_logs.txt", encoding="utf-8").read()
summaries = re.findall(r"(?m)Epoch (\d+)/(\d+) - loss: ([0-9.]+) - accuracy: ([0-9.]+)", text)
errors = re.findall(r"(?m)^(?:\[[^\]]*\] ERROR: )?RuntimeError: (.+)$", text)
finished = bool(summaries) and summaries[-1][0] == summaries[-1][1] and not errors
loss, acc = (float(summaries[-1][2]), float(summaries[-1][3])) if summaries else (None, None)
result = {"status": "success" if finished else "failed",
          "final_metrics": {"accuracy": acc, "loss": loss},
          "error_message": "" if finished else (f"RuntimeError: {errors[-1]}" if errors else "unknown error")}
with open("training/training_analysis.json", "w", encoding="utf-8") as fh:
    json.dump(result, fh, indent=2)
print(json.dumps(result))
PY
