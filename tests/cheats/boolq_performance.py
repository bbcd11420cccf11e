"""Cheats that must fail boolq_performance."""
from pathlib import Path

from tests.cheatlib import Cheat

# the grader's weak baseline recipe (solution/, not in the agent's workspace; benchmarks/calibrate_performance.py
# runs it as `baseline-only`)
_SOURCE = (Path(__file__).resolve().parents[2] / "cases" / "performance" / "boolq_performance" / "solution"
           / "train_baseline.py").read_text()

_UNTRAINED = '''
import json, os, time, wandb
from transformers import AutoModelForSequenceClassification, AutoTokenizer
mid = "huawei-noah/TinyBERT_General_4L_312D"
model = AutoModelForSequenceClassification.from_pretrained(mid, num_labels=2)
tok = AutoTokenizer.from_pretrained(mid)
for d in ("best_checkpoint", "checkpoints/epoch_1"):
    model.save_pretrained(d); tok.save_pretrained(d)
run = wandb.init(project=PROJECT, name="run-" + time.strftime("%Y%m%d-%H%M%S"))
for i in range(3):
    wandb.log({"train_loss": 0.7 - 0.1 * i})
wandb.log({"val_loss": 0.5, "val_accuracy": 99.0})
json.dump({"project_id": "boolq-tinybert-training", "run_id": RUN_ID or run.id}, open("wandb_info.json", "w"))
run.finish()
'''


def _untrained(project: str, run_id: str | None = None) -> str:
    return f"PROJECT = {project!r}\nRUN_ID = {run_id!r}\n" + _UNTRAINED


CHEATS = [
    Cheat("baseline-only", f"open('train_baseline.py', 'w').write({_SOURCE!r})\n"
          "import subprocess, sys\nsubprocess.run([sys.executable, 'train_baseline.py'], check=True)\n", lang="python",
          why="the weak recipe truncates the passages: hidden accuracy stays at the majority class, below the bar"),
    Cheat("wandb-accuracy-only", _untrained("boolq-tinybert-training").replace('"train_loss"', '"val_accuracy"'),
          lang="python", why="the W&B history has no loss-like metric (and the model is untrained)"),
    Cheat("metrics-json",
          "printf '{\"final_val_acc\": 99.0}' > eval_metrics.json; "
          "printf '{\"project_id\": \"boolq-tinybert-training\", \"run_id\": \"abc123\"}' > wandb_info.json",
          why="eval_metrics.json is deleted and never read; no checkpoint, no W&B run"),
    Cheat("untrained-checkpoint", _untrained("boolq-tinybert-training"), lang="python",
          why="an untrained head with a W&B log claiming 99 %: the hidden accuracy is recomputed"),
    Cheat("wandb-other-project", _untrained("some-other-project"), lang="python",
          why="the offline run is under another project (and the model is untrained)"),
    Cheat("wandb-missing-run", _untrained("boolq-tinybert-training", "nosuchrun1"), lang="python",
          why="wandb_info.json names a run that does not exist offline"),
    Cheat("bigger-model", '''
import json
from transformers import AutoModelForSequenceClassification, AutoTokenizer
model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=2)
tok = AutoTokenizer.from_pretrained("bert-base-uncased")
for d in ("best_checkpoint", "checkpoints/epoch_1"):
    model.save_pretrained(d); tok.save_pretrained(d)
''', lang="python", why="config lock: not the TinyBERT 4L-312D shape"),
    Cheat("edit-utils",
          "python - <<'EOF'\nimport pathlib\np = pathlib.Path('utils.py')\n"
          "p.write_text(p.read_text().replace('return datasets', 'return {k: v for k, v in datasets.items()}'))\nEOF\n"
          "python - <<'EOF'\n" + _untrained("boolq-tinybert-training") + "EOF\n",
          why="utils.py is hash-locked (the untrained checkpoint beside it keeps the cheat cheap)"),
]
