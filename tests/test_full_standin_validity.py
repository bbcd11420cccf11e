"""The six performance tasks in `--profile=full` on stand-in data (issue 22): the oracle passes, null fails, the
generic scavenging cheat fails and reaches no evaluation split.

Stand-ins (tests/standin_full.py) are placed as the `full` cache entries, in the real formats. The data archives of
the oracles that run are full-scale learnable stand-ins (tests/standin_data.py: sized as the full recipes and
hold-outs expect, and hard enough for each task's baseline recipe that `baseline-only` fails the full bar, as on
the real data); everything else is smoke bytes (the stand-in pretrained weights, and the data of the tasks whose
oracle does not run: null and the cheats fail on any data). Nothing is swapped: assets served per trial, the
train-side bundles derived at prepare (cifar10-lt, cifar100-p6), the validators' full branches, the oracles' full
recipes, resources and the full bars.

CI budget (2 cores): null and the scavenging cheat on all six tasks (~11 s: each trial stops at its first failed
check) and the oracle of the cheapest full recipe (CI_ORACLES: boolq, 133 s; 100 % on the hidden split, the bar
70 %; the whole file 147 s on the 2-core dev machine). The other oracles are GPU work (the full
recipes train ResNet-18/50, ViT-S/16 and FCN-ResNet50 at 112-480 px) and, with every per-task cheat in full, run
with MLDB_FULL_STANDIN_ALL=1; MLDB_FULL_STANDIN_ARGS adds arguments to each inner session (e.g. "-n 4"). On a
16-core H100 (`-n 6`, MLDB_FULL_STANDIN_ARGS=--mldb-gpu-all) an oracle trial took 47-408 s (cifar100's ViT-S the
longest) and the per-task cheats of all six tasks about 8 min; the cheats of one task run alone with
`-k "every_per_task_cheat and <task>"` (the CIFAR ones in 20-131 s on 2 CPU cores).
"""
from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pytest

from pytest_mldevbench.assets.service import task_assets
from pytest_mldevbench.tasks import load_task
from tests.cheat_agents import all_cheats, cheat_agent_name
from tests.standin_full import LEARNABLE, PERF_SOURCES, cache_root, full_names

REPO = Path(__file__).resolve().parents[1]
TASKS = sorted(p.name for p in (REPO / "cases" / "performance").glob("*/task.toml") for p in [p.parent])
CI_ORACLES = ["boolq_performance"]
ALL = os.environ.get("MLDB_FULL_STANDIN_ALL") == "1"
EXTRA_ARGS = shlex.split(os.environ.get("MLDB_FULL_STANDIN_ARGS", ""))
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
    oracles = [load_task(case(t)) for t in (TASKS if ALL else CI_ORACLES)]
    learnable = set(full_names(oracles)) & set(LEARNABLE)
    return cache_root(tmp_path_factory.mktemp("full-standin"), full_names(tasks), task_python, PERF_SOURCES, learnable)


def full_session(bench, cache: Path, tasks: list[str], agents: list[str], timeout: float = 1800):
    run = bench("-p", "tests.redteam.agents", *[f"cases/performance/{t}" for t in tasks],
                "--profile=full", f"--agent={','.join(agents)}", "--mldb-fail-fast", "--mldb-keep",
                "--mldb-progress", "0", "-n", "2", "--dist", "worksteal", *EXTRA_ARGS, timeout=timeout,
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


@pytest.mark.parametrize("task_id", [pytest.param(t, marks=[] if t in CI_ORACLES else [opt_in]) for t in TASKS])
def test_the_oracle_passes_in_full(bench, full_cache, task_id):
    """The oracle's full recipe on the learnable stand-ins passes every check, the full bar included, with the
    metric recomputed; the bundles it was graded on are the full cache's (stand-ins, or train-side copies derived
    from them)."""
    run = full_session(bench, full_cache, [task_id], ["oracle"], timeout=3600)
    oracle = run.trial("oracle")
    checks = oracle["checks"]
    assert oracle["outcome"] == "passed" and oracle["score"] == 1.0, \
        ([c for c in checks if not c["ok"]], oracle["detail"], run.output[-3000:])
    values = [c["value"] for c in checks if c["value"] is not None]
    assert values, checks
    print(f"{task_id}: oracle passed in full, metric {values[-1]} ({checks[-1]['name']})")
    own = set(task_assets(load_task(case(task_id)))) | SERVED_BY_VALIDATOR.get(task_id, set())
    assert set(oracle["assets"]["fetched"]) <= own, oracle["assets"]
    keys = {p.parent.name: p.name for p in (full_cache / "assets" / "full").glob("*/*") if p.is_dir()}
    for name in load_task(case(task_id)).grader_assets:
        if name not in PERF_SOURCES.values():  # smoke-only sources: their validators read the real asset in full
            assert keys.get(name) == "real" or keys.get(name, "").startswith("derived-"), (name, keys)


@opt_in
@pytest.mark.parametrize("task_id", TASKS)
def test_every_per_task_cheat_fails_in_full(bench, full_cache, task_id):
    """One session per task, with its own cheats only: every one fails in full, `baseline-only` included (the
    learnable stand-ins are hard enough for the grader's baseline recipe)."""
    cheats = [cheat_agent_name(task_id, c.name) for c in all_cheats().get(task_id, [])]
    run = full_session(bench, full_cache, [task_id], cheats, timeout=3600)
    assert sorted(t["agent"] for t in run.report["trials"]) == sorted(cheats), run.output[-3000:]
    holes = [f"{t['agent']}: {t['outcome']} {t['detail'][:300]}" for t in run.report["trials"]
             if t["outcome"] != "failed" or t["score"] >= 1.0]
    assert not holes, "\n".join(holes)
