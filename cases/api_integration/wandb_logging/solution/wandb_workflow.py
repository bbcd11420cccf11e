"""Oracle for wandb_logging: init, log into the same run by id, read the run back from its offline files."""
import glob
import json
import os
import subprocess
import sys
import time

import wandb

PROJECT = "ml_workflow_test_wandb"
METRICS = ("training_loss", "validation_loss", "epoch")


def initialise() -> None:
    name = "test-run-" + time.strftime("%Y%m%d-%H%M%S")
    run = wandb.init(project=PROJECT, name=name, tags=["test", "evaluation"])
    info = {"run_id": run.id, "project": run.project, "name": run.name, "tags": list(run.tags)}
    run.finish()
    with open("wandb_info.json", "w") as fh:
        json.dump(info, fh, indent=2)


def log_metrics() -> None:
    run_id = json.load(open("wandb_info.json"))["run_id"]
    run = wandb.init(project=PROJECT, id=run_id, resume="allow")
    run.log({"training_loss": 0.5, "validation_loss": 0.4, "epoch": 0})
    run.finish()


def retrieve() -> None:
    run_id = json.load(open("wandb_info.json"))["run_id"]
    found = {}
    # wandb names a second run directory started in the same second "offline-run-<time>-<id>-1"
    for path in sorted(glob.glob(f"wandb/offline-run-*-{run_id}*/run-{run_id}.wandb")):
        out = subprocess.run([sys.executable, "-m", "wandb", "leet", "inspect", "--json", path],
                             capture_output=True, text=True, check=True, env=dict(os.environ, NO_COLOR="1"))
        for line in out.stdout.splitlines():
            if not line.startswith("{"):
                continue
            rec = json.loads(line)
            if rec.get("type") == "history":
                item = rec["history"]["item"]
                if all(k in item for k in METRICS):
                    found = {k: item[k] for k in METRICS}
    if not found:
        sys.exit(f"no history row with {METRICS} recorded for run {run_id}")
    with open("wandb_metrics.json", "w") as fh:
        json.dump(found, fh, indent=2)
    print(json.dumps(found))


if __name__ == "__main__":
    initialise()
    log_metrics()
    retrieve()
