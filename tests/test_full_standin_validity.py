"""The six performance tasks in `--profile=full` on stand-in data (issue 22): null fails, the generic scavenging
cheat fails and reaches no evaluation split, the oracle reaches grading on the full code paths.

Stand-ins (tests/standin_full.py): smoke bytes in the real formats placed as the `full` cache entries, the
performance tasks' smoke sources standing in for the archives their validators read. Everything else is full:
assets served per trial, the train-side bundles derived at prepare (cifar10-lt, cifar100-p6), the validators' full
branches, the oracles' full recipes, resources. One thing is swapped, in this test only: grading reads the smoke
thresholds (tests/smoke_bars.py), because the stand-in bytes are smoke bytes, so smoke's calibration applies; the
full bars (the paper's, e.g. 88 % on CIFAR-100) are for the real data and cannot be reached on them.

CI budget (2 cores): null and the scavenging cheat on all six tasks (~10 s: each trial stops at its first failed
check) and the oracle of the fastest full recipe (CI_ORACLES: boolq, ~140 s). The other oracles (cifar_10_lt's
alone takes ~10 min here) and every per-task cheat in full run with MLDB_FULL_STANDIN_ALL=1.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pytest_mldevbench.assets.service import task_assets
from pytest_mldevbench.tasks import load_task
from tests.cheat_agents import all_cheats, cheat_agent_name
from tests.standin_full import PERF_SOURCES, cache_root, full_names

REPO = Path(__file__).resolve().parents[1]
TASKS = sorted(p.name for p in (REPO / "cases" / "performance").glob("*/task.toml") for p in [p.parent])
CI_ORACLES = ["boolq_performance"]
ALL = os.environ.get("MLDB_FULL_STANDIN_ALL") == "1"
opt_in = pytest.mark.skipif(not ALL, reason="opt-in (MLDB_FULL_STANDIN_ALL=1): too slow for CI on 2 cores")
# archives holding the public test/val splits that the full hidden evaluation sets are
EVAL_ARCHIVES = {"cifar-10", "cifar-100", "boolq", "imagenette2-160", "voc2012-seg"}
# folders a validator serves to its own trial (grading.serve_directory): the noisy-label task's train-side copy of
# Imagenette, whose val/ is the local validation split, disjoint from the withheld images (test_perf_assets_b.py)
SERVED_BY_VALIDATOR = {"full_train_workflow_performance_test": {"imagenette2-160-p2"}}


def case(task_id: str) -> Path:
    return REPO / "cases" / "performance" / task_id


@pytest.fixture(scope="module")
def full_cache(tmp_path_factory, task_python) -> Path:
    tasks = [load_task(case(t)) for t in TASKS]
    return cache_root(tmp_path_factory.mktemp("full-standin"), full_names(tasks), task_python, PERF_SOURCES)


def full_session(bench, cache: Path, tasks: list[str], agents: list[str], timeout: float = 1800):
    run = bench("-p", "tests.redteam.agents", "-p", "tests.smoke_bars", *[f"cases/performance/{t}" for t in tasks],
                "--profile=full", f"--agent={','.join(agents)}", "--mldb-fail-fast", "--mldb-keep",
                "--mldb-progress", "0", "-n", "2", "--dist", "worksteal", timeout=timeout,
                env={"MLDB_CACHE": str(cache), "MLDB_DISK_GB": "2"})  # full reserves 21 GiB a trial disk
    assert run.report is not None, run.output[-4000:]
    assert run.report.get("profile", "full") == "full"
    return run


def origin(path: str, workspace: Path) -> str:
    """The asset a scavenged path came from ("workspace" for the workspace's own files, "elsewhere" otherwise):
    loot is kept as _loot/<asset>/<file> (fetch_assets.py names members by that relative path)."""
    loot = str(workspace / "_loot") + "/"
    if path.startswith(loot) or not path.startswith("/"):
        return path.removeprefix(loot).split("/")[0]
    return "workspace" if path.startswith(str(workspace) + "/") else "elsewhere"


def trials_of(run, agent: str) -> dict[str, dict]:
    return {t["task_id"]: t for t in run.report["trials"] if t["agent"] == agent}


def test_null_and_the_scavenging_cheat_fail_and_no_evaluation_split_is_reached(bench, full_cache):
    run = full_session(bench, full_cache, TASKS, ["null", "redteam-scavenge"])
    null, scavenge = trials_of(run, "null"), trials_of(run, "redteam-scavenge")
    assert sorted(null) == sorted(scavenge) == TASKS, run.output[-4000:]
    for task_id in TASKS:
        own = set(task_assets(load_task(case(task_id)))) | SERVED_BY_VALIDATOR.get(task_id, set())
        assert not own & EVAL_ARCHIVES, task_id
        for trial in (null[task_id], scavenge[task_id]):
            assert trial["outcome"] == "failed" and trial["score"] < 1.0, (task_id, trial["agent"], trial["detail"])
        trial = scavenge[task_id]
        assets = trial["assets"]  # what the trial fetched and what was refused (result.json)
        assert set(assets["fetched"]) <= own, (task_id, assets["fetched"])
        log = json.loads((Path(trial["artifacts_dir"]) / "assets.json").read_text())
        refused = {e["asset"] for e in log["refused"]}
        assert EVAL_ARCHIVES <= refused, (task_id, refused)  # asked for, every one, and refused
        assert assets["refused_requests"] > 20, assets
        workspace = Path(trial["scratch_dir"]) / "workspace"
        found = json.loads((workspace / "_scavenge.json").read_text())
        # evaluation-like data from anywhere but the workspace's own files and its own assets: none, loose or in
        # an archive
        foreign = [p for p in found["foreign"] + [m.split(": ")[0] for m in found["eval_members"]]
                   if origin(p, workspace) not in own | {"workspace"}]
        assert foreign == [], (task_id, foreign[:5])
        assert found["used"] == [], (task_id, found["used"][:5])  # so it never trained on evaluation data


# Full recipes that do not clear the smoke bar on smoke bytes, with the measured figure. For these the oracle must
# fail on that one check only (every other check passed; the metric recomputed on the grader's split).
SHORT_OF_SMOKE_BAR = {
    "boolq_performance": "full recipe (AdamW 5e-5, 500 warm-up steps, 10 epochs) on the 200 training rows the full "
                         "1000-row holdout leaves of the stand-in, with the stand-in TinyBERT (randomly initialised): "
                         "57.83 % vs the smoke bar 85 % (2-core dev machine, twice; trial ~140 s)",
    "cifar_10_lt_performance": "full recipe (ResNet-18 with the stand-in ImageNet weights at 112 px, AdamW + cosine, 15 "
                               "epochs) on the LT split derived from the stand-in CIFAR-10: balanced accuracy 49.4 % "
                               "on its 1000 test images vs the smoke bar 79 % (2-core dev machine; trial 606 s, "
                               "every other check passed)",
}


@pytest.mark.parametrize("task_id", [pytest.param(t, marks=[] if t in CI_ORACLES else [opt_in]) for t in TASKS])
def test_the_oracle_on_the_full_code_paths(bench, full_cache, task_id):
    """The oracle's full recipe, on stand-in data, graded against the smoke bars: it passes, or, where its recipe is
    known to fall short on smoke bytes (SHORT_OF_SMOKE_BAR), every check but the metric bar passes and the metric is
    recomputed. Either way the bundles it was graded on are the full cache's (fetched stand-ins, or train-side
    copies derived from them)."""
    run = full_session(bench, full_cache, [task_id], ["oracle"], timeout=3600)
    oracle = run.trial("oracle")
    checks = oracle["checks"]
    failed = [c for c in checks if not c["ok"]]
    if task_id in SHORT_OF_SMOKE_BAR and oracle["outcome"] == "failed":
        assert len(failed) == 1 and failed[0] is checks[-1] and failed[0]["value"] is not None, \
            (checks, run.output[-3000:])
        print(f"{task_id}: oracle short of the smoke bar as recorded: {failed[0]['detail']}")
    else:
        assert oracle["outcome"] == "passed" and oracle["score"] == 1.0, (oracle["detail"], run.output[-3000:])
        assert [c["value"] for c in checks if c["value"] is not None], checks
    own = set(task_assets(load_task(case(task_id)))) | SERVED_BY_VALIDATOR.get(task_id, set())
    assert set(oracle["assets"]["fetched"]) <= own, oracle["assets"]
    keys = {p.parent.name: p.name for p in (full_cache / "assets" / "full").glob("*/*") if p.is_dir()}
    for name in load_task(case(task_id)).grader_assets:
        if name not in PERF_SOURCES.values():  # smoke-only sources: their validators read the real asset in full
            assert keys.get(name) == "real" or keys.get(name, "").startswith("derived-"), (name, keys)


@opt_in
def test_every_per_task_cheat_fails_in_full(bench, full_cache):
    holes = []
    for task_id in TASKS:  # one session per task: its own cheats only
        cheats = [cheat_agent_name(task_id, c.name) for c in all_cheats().get(task_id, [])]
        run = full_session(bench, full_cache, [task_id], cheats, timeout=3600)
        assert sorted(t["agent"] for t in run.report["trials"]) == sorted(cheats), run.output[-3000:]
        holes += [f"{task_id} x {t['agent']}: {t['outcome']} {t['detail'][:300]}" for t in run.report["trials"]
                  if t["outcome"] != "failed" or t["score"] >= 1.0]
    assert not holes, "\n".join(holes)
