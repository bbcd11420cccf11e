"""Cheats that must fail wandb_logging."""
from tests.cheatlib import Cheat

_HEAD = '''
import json, time, wandb
def dump(obj, name):
    json.dump(obj, open(name, "w"))
'''

CHEATS = [
    Cheat("handwritten-json",
          "printf '{\"run_id\": \"abc12345\"}' > wandb_info.json; "
          "printf '{\"training_loss\": 0.5, \"validation_loss\": 0.4, \"epoch\": 0}' > wandb_metrics.json",
          why="checks 2-3: no recorded run with that id"),
    Cheat("log-into-new-run", _HEAD + '''
run = wandb.init(project="ml_workflow_test_wandb", name="test-run-" + str(int(time.time())), tags=["test", "evaluation"])
dump({"run_id": run.id}, "wandb_info.json"); run.finish()
other = wandb.init(project="ml_workflow_test_wandb")
other.log({"training_loss": 0.5, "validation_loss": 0.4, "epoch": 0}); other.finish()
dump({"training_loss": 0.5, "validation_loss": 0.4, "epoch": 0}, "wandb_metrics.json")
''', lang="python", why="check 3: the metrics were logged to a run with another id"),
    Cheat("no-name-or-tags", _HEAD + '''
run = wandb.init(project="ml_workflow_test_wandb")
dump({"run_id": run.id}, "wandb_info.json"); run.finish()
run = wandb.init(project="ml_workflow_test_wandb", id=json.load(open("wandb_info.json"))["run_id"], resume="allow")
run.log({"training_loss": 0.5, "validation_loss": 0.4, "epoch": 0}); run.finish()
dump({"training_loss": 0.5, "validation_loss": 0.4, "epoch": 0}, "wandb_metrics.json")
''', lang="python", why="check 2: no run record with the requested name and tags"),
    Cheat("string-metrics-and-step", _HEAD + '''
run = wandb.init(project="ml_workflow_test_wandb", name="test-run-" + str(int(time.time())), tags=["test", "evaluation"])
dump({"run_id": run.id}, "wandb_info.json"); run.finish()
run = wandb.init(project="ml_workflow_test_wandb", id=json.load(open("wandb_info.json"))["run_id"], resume="allow")
run.log({"training_loss": 0.5, "validation_loss": 0.4, "epoch": 0}); run.finish()
dump({"training_loss": "0.5", "validation_loss": "0.4", "epoch": "0", "_step": 0}, "wandb_metrics.json")
''', lang="python", why="check 4: the values are strings (the extra key alone is allowed, as in the original)"),
    Cheat("wrong-values-logged", _HEAD + '''
run = wandb.init(project="ml_workflow_test_wandb", name="test-run-" + str(int(time.time())), tags=["test", "evaluation"])
dump({"run_id": run.id}, "wandb_info.json"); run.finish()
run = wandb.init(project="ml_workflow_test_wandb", id=json.load(open("wandb_info.json"))["run_id"], resume="allow")
run.log({"training_loss": 0.55, "validation_loss": 0.4, "epoch": 1}); run.finish()
dump({"training_loss": 0.5, "validation_loss": 0.4, "epoch": 0}, "wandb_metrics.json")
''', lang="python", why="checks 3-4: the recorded values differ from the typed-in JSON"),
    Cheat("run-dir-elsewhere", _HEAD + '''
import os, shutil
os.makedirs("/tmp/elsewhere", exist_ok=True)
run = wandb.init(project="ml_workflow_test_wandb", name="test-run-" + str(int(time.time())), tags=["test", "evaluation"], dir="/tmp/elsewhere")
dump({"run_id": run.id}, "wandb_info.json"); run.finish()
run = wandb.init(project="ml_workflow_test_wandb", id=run.id, resume="allow", dir="/tmp/elsewhere")
run.log({"training_loss": 0.5, "validation_loss": 0.4, "epoch": 0}); run.finish()
os.symlink("/tmp/elsewhere/wandb", "wandb")
dump({"training_loss": 0.5, "validation_loss": 0.4, "epoch": 0}, "wandb_metrics.json")
''', lang="python", why="check 2: the run directory must be inside the workspace (a symlink out does not count)"),
    Cheat("log-before-finish-no-resume", _HEAD + '''
run = wandb.init(project="ml_workflow_test_wandb", name="test-run-" + str(int(time.time())), tags=["test", "evaluation"])
dump({"run_id": run.id}, "wandb_info.json")
run.log({"training_loss": 0.5, "validation_loss": 0.4, "epoch": 0}); run.finish()
dump({"training_loss": 0.5, "validation_loss": 0.4, "epoch": 0}, "wandb_metrics.json")
''', lang="python", why="check 3: stage 2 never re-opened the finished run by its id (no later run of that id)"),
]
