"""Validator for wandb_logging: nothing of the agent's runs. ./wandb and the two JSON files are collected as
bounded data; a judge (hidden/check_runs.py) decodes every offline run with the pinned wandb's own tooling and
decides: the initialised run (project, name, tags, started during the trial), its resumption by id holding the
logged metrics, and wandb_metrics.json equal to what was recorded."""
from datetime import datetime, timezone


def test_wandb_logging(grading):
    work = grading.snapshot
    runs = grading.collect(work / "wandb", limit=200_000_000) / "wandb"
    files = grading.collect(work / "wandb_info.json", work / "wandb_metrics.json", limit=2_000_000)
    result = grading.reference("check_runs.py", str(runs), str(files / "wandb_info.json"),
                               str(files / "wandb_metrics.json"), grading.started_at,
                               datetime.now(timezone.utc).isoformat(), read=[runs.parent, files],
                               timeout=grading.threshold("inspect_timeout_s"))
    for c in result["checks"]:
        grading.check(c["name"], c["ok"], c["detail"])
