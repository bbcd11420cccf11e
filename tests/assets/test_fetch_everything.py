"""The fetch-assets red-team cheat (tests/redteam/agents.py) in real trials: it asks the mirror, through the
trial's own prefix, for every path the public manifest names. A trial gets its task's assets and nothing else;
every other request is refused and listed in result.json and assets.json; no evaluation split reaches it."""
from __future__ import annotations

import json
from pathlib import Path

from pytest_mldevbench.assets.service import task_assets
from pytest_mldevbench.tasks import load_task

REPO = Path(__file__).resolve().parents[2]
TASKS = ["training/pretrained_bert_base_uncased_load", "performance/boolq_performance",
         "performance/full_train_workflow_performance_test", "performance/improve_segmentation_baseline",
         "performance/cifar_10_lt_performance", "performance/improve_cifar10_baseline",
         "performance/cifar100_performance"]
SERVED_BY_VALIDATOR = {"full_train_workflow_performance_test": {"imagenette2-160-p2"}}  # its derived copy


def test_a_trial_fetches_only_its_tasks_assets_and_the_rest_is_refused(bench):
    run = bench("-p", "tests.redteam.agents", *[f"cases/{t}" for t in TASKS], "--agent=redteam-fetch-assets",
                "-n", "2", "--mldb-fail-fast", "--mldb-keep", "--mldb-progress", "0")
    assert run.report is not None, run.output[-4000:]
    trials = {t["task_id"]: t for t in run.report["trials"]}
    assert sorted(trials) == sorted(Path(t).name for t in TASKS), run.output[-4000:]
    for task_id, trial in trials.items():
        task = load_task(next(REPO.glob(f"cases/*/{task_id}")))
        own = set(task_assets(task)) | SERVED_BY_VALIDATOR.get(task_id, set())
        assert trial["outcome"] == "failed", (task_id, trial["detail"])
        assets = trial["assets"]
        assert set(assets["fetched"]) <= own, (task_id, assets)
        assert assets["refused_requests"] > 20 and "/cifar-10/cifar-10-python.tar.gz" in assets["refused"], assets
        log = json.loads((Path(trial["artifacts_dir"]) / "assets.json").read_text())
        assert {e["asset"] for e in log["fetched"]} - {None} <= own
        refused = {e["asset"] for e in log["refused"]}
        assert {"cifar-10", "cifar-100", "boolq", "voc2012-seg", "imagenette2-160", "mnist"} <= refused, refused
        loot = json.loads((Path(trial["scratch_dir"]) / "workspace" / "_loot" / "found.json").read_text())
        # nothing with a test/val split came from anywhere but its own assets (the one such is noisy Imagenette's
        # served copy: its val/ is the local validation split, disjoint from the withheld images, test_perf_assets_b)
        foreign_eval = [e for e in loot["eval"] if e.split("/")[0] not in own]
        assert foreign_eval == [], (task_id, foreign_eval[:5])
        got = {p for p, v in loot["got"].items() if isinstance(v, int)}
        assert got, (task_id, "the cheat reached the mirror at all")  # its own assets, or the checksums table
