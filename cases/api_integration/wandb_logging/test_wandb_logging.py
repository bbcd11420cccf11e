"""Validator for wandb_logging: the offline W&B run itself is the evidence, the JSON files are cross-checked.

hidden/inspect_runs.py decodes every run under ./wandb with the pinned wandb's `leet inspect` in the grading
sandbox; `trial.wandb_run` (the harness's reader, same tooling) re-reads the history of the run that counts.
"""
import json
import math
import re
from datetime import datetime, timedelta, timezone

from pytest_mldevbench.errors import GradingError
from pytest_mldevbench.wandb_reader import WandbReadError

PROJECT = "ml_workflow_test_wandb"
NAME = re.compile(r"^test-run-\S*\d\S*$")
TAGS = {"test", "evaluation"}
EXPECTED = {"training_loss": 0.5, "validation_loss": 0.4, "epoch": 0}
CLOCK_SLACK = timedelta(seconds=5)


def _read_json(path):
    if path.is_symlink() or not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8")[:1_000_000])
    except (OSError, ValueError):
        return None


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _matches(row) -> bool:
    return isinstance(row, dict) and all(_number(row.get(k)) and row[k] == v for k, v in EXPECTED.items())


def _when(text):
    try:
        t = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def test_wandb_logging(trial):
    work = trial.grading_dir
    info = _read_json(work / "wandb_info.json")
    run_id = info.get("run_id") if isinstance(info, dict) else None
    ok_id = isinstance(run_id, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", run_id or "") is not None
    trial.check("1. wandb_info.json parses and has a run_id", ok_id, f"wandb_info.json: {str(info)[:300]}")

    try:
        found = trial.run_hidden_python("inspect_runs.py", timeout=trial.threshold("inspect_timeout_s"))
    except GradingError as exc:
        found = {"wandb_version": None, "runs": [], "error": str(exc)}
    version = found.get("wandb_version") or "?"
    runs = [r for r in found.get("runs", []) if not r.get("error")]
    mine = [r for r in runs if ok_id and r.get("run_id") == run_id and r.get("file") == f"run-{run_id}.wandb"
            and re.fullmatch(rf"offline-run-\d{{8}}_\d{{6}}-{re.escape(run_id)}(-\d+)?", str(r.get("dir", "")))
            and str(r.get("producer") or "").split("+")[0] == version]

    start = _when(trial.result.started_at) - CLOCK_SLACK
    end = datetime.now(timezone.utc) + CLOCK_SLACK
    good_init = [r for r in mine if r.get("project") == PROJECT and NAME.match(str(r.get("display_name") or ""))
                 and isinstance(r.get("tags"), list) and set(r["tags"]) == TAGS and len(r["tags"]) == len(TAGS)
                 and _when(r.get("start_time")) is not None and start <= _when(r["start_time"]) <= end]
    summary = [{k: r.get(k) for k in ("dir", "run_id", "project", "display_name", "tags", "start_time", "producer")}
               for r in found.get("runs", [])]
    trial.check("2. an offline run with that id has the project, name and tags, started during the trial",
                bool(good_init), f"wandb {version}; runs found: {json.dumps(summary)[:1500]} {found.get('error', '')}")

    # 3: a history row with the three values in a run directory of that id, read twice (hidden decoder and
    # the harness's reader) and both must agree.
    rows = []
    for r in mine:
        hidden_rows = [row for row in r.get("history", []) if _matches(row)]
        if not hidden_rows:
            continue
        try:
            harness = trial.wandb_run(work / "wandb" / r["dir"])
        except WandbReadError:
            continue  # the harness's reader cannot read it: the row does not count
        if harness.get("id") == run_id:
            rows += [row for row in harness.get("history", []) if _matches(row)]
    trial.check("3. the run with that id recorded training_loss 0.5, validation_loss 0.4, epoch 0", bool(rows),
                f"history of run {run_id!r}: " + json.dumps([r.get("history") for r in mine])[:1000])

    metrics = _read_json(work / "wandb_metrics.json")
    good = (isinstance(metrics, dict) and set(metrics) == set(EXPECTED) and _matches(metrics)
            and any(all(row[k] == metrics[k] for k in EXPECTED) for row in rows))
    trial.check("4. wandb_metrics.json holds exactly the three recorded numbers", good,
                f"wandb_metrics.json: {str(metrics)[:300]}")
