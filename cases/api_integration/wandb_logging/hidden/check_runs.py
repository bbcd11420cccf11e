"""Judge (trusted): the offline W&B runs, collected as data and decoded by wandb's own tooling
(inspect_runs.py), against wandb_info.json and wandb_metrics.json (bounded copies).

usage: check_runs.py <wandb folder> <wandb_info.json> <wandb_metrics.json> <trial start, ISO> <now, ISO>
Prints {"checks": [1. run_id, 2. the initialised run, 3. the resumed run's history, 4. the retrieved metrics]}.
"""
import json
import math
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import wandb
from inspect_runs import runs

PROJECT = "ml_workflow_test_wandb"
NAME = re.compile(r"^test-run-\S*\d\S*$")
TAGS = {"test", "evaluation"}
EXPECTED = {"training_loss": 0.5, "validation_loss": 0.4, "epoch": 0}
CLOCK_SLACK = timedelta(seconds=5)


def read_json(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def matches(row) -> bool:
    return isinstance(row, dict) and all(isinstance(row.get(k), (int, float)) and not isinstance(row[k], bool)
                                         and math.isfinite(row[k]) and row[k] == v for k, v in EXPECTED.items())


def when(text):
    try:
        t = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def main(wandb_dir, info_file, metrics_file, started, now):
    info, metrics = read_json(info_file), read_json(metrics_file)
    run_id = info.get("run_id") if isinstance(info, dict) else None
    ok_id = isinstance(run_id, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", run_id) is not None
    found = runs(Path(wandb_dir))
    version = wandb.__version__
    mine = [r for r in found if ok_id and not r.get("error") and r.get("run_id") == run_id
            and r.get("file") == f"run-{run_id}.wandb"
            and re.fullmatch(rf"offline-run-\d{{8}}_\d{{6}}-{re.escape(run_id)}(-\d+)?", r["dir"])
            and str(r.get("producer") or "").split("+")[0] == version
            and when(r.get("start_time")) is not None
            and when(started) - CLOCK_SLACK <= when(r["start_time"]) <= when(now) + CLOCK_SLACK]
    inits = [r for r in mine if r.get("project") == PROJECT and NAME.match(str(r.get("display_name") or ""))
             and isinstance(r.get("tags"), list) and set(r["tags"]) == TAGS and len(r["tags"]) == len(TAGS)]
    first = min((when(r["start_time"]) for r in inits), default=None)
    # stage 2: offline, wandb records the run re-opened by its id as a further run folder of that id, started
    # after the first (with `resume` set when resume= was passed; init(id=...) alone is accepted too)
    resumed = [r for r in mine if first is not None and when(r["start_time"]) > first]
    rows = [row for r in resumed for row in r.get("history", []) if matches(row)]
    summary = [{k: r.get(k) for k in ("dir", "run_id", "project", "display_name", "tags", "start_time", "resume")}
               for r in found]
    good = (isinstance(metrics, dict) and matches(metrics)  # extra keys allowed, as in the original
            and any(all(row[k] == metrics[k] for k in EXPECTED) for row in rows))
    print(json.dumps({"checks": [
        {"name": "1. wandb_info.json parses and has a run_id", "ok": ok_id, "detail": f"wandb_info.json: {str(info)[:300]}"},
        {"name": "2. an offline run with that id has the project, name and tags, started during the trial",
         "ok": bool(inits), "detail": f"wandb {version}; runs found: {json.dumps(summary)[:1500]}"},
        {"name": "3. that run, re-opened by its id after it finished, recorded training_loss 0.5, validation_loss 0.4, epoch 0",
         "ok": bool(rows), "detail": f"runs of id {run_id!r}: " + json.dumps(
             [{"dir": r["dir"], "resume": r.get("resume"), "history": r.get("history")} for r in mine])[:1000]},
        {"name": "4. wandb_metrics.json holds the three recorded numbers", "ok": good,
         "detail": f"wandb_metrics.json: {str(metrics)[:300]}"}]}))


if __name__ == "__main__":
    main(*sys.argv[1:6])
