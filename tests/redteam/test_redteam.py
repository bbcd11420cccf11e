"""Every generic red-team cheat fails on every task (smoke profile), in ONE benchmark session.

The session runs all cases (present and future: every cases/*/*/task.toml) with every agent of
tests/redteam/agents.py; a trial that passes, or that ends as a harness error, is a hole to fix. Set
MLDB_REDTEAM_JSON=path to keep the session's JSON report (docs/validity.md is generated from it by
tests/redteam/make_validity_table.py) and MLDB_REDTEAM_WORKERS to change the session's xdist workers (2).

The "forge at grading" class (agents.FORGE_CHEATS: exit hooks, success lines + os._exit, patched testing
modules, shape-only stubs, grading detection, combined) fails because no verdict comes from a process that ran
agent code (docs/architecture.md): what such a process writes, prints or exits with is only an observation.
"""
from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from pytest_mldevbench.sandbox.local import LocalSandbox
from tests.redteam.agents import GENERIC_CHEATS, agent_names

REPO = Path(__file__).resolve().parents[2]
CASES = sorted(p.parent for p in (REPO / "cases").glob("*/*/task.toml"))


def test_every_generic_cheat_fails_on_every_task(bench):
    agents = agent_names()
    args = ["-p", "tests.redteam.agents", *[str(c.relative_to(REPO)) for c in CASES], f"--agent={','.join(agents)}",
            "-n", os.environ.get("MLDB_REDTEAM_WORKERS", "2"), "--dist", "worksteal", "--mldb-progress", "0",
            "--mldb-fail-fast"]  # every trial must fail: its first failed check decides, the rest is not run
    if os.environ.get("MLDB_REDTEAM_JSON"):
        args.append(f"--mldb-json={os.environ['MLDB_REDTEAM_JSON']}")
    run = bench(*args, timeout=5400)
    assert run.report is not None, f"the session wrote no report (exit {run.returncode}):\n{run.output[-4000:]}"
    trials = {(t["task_id"], t["agent"]): t for t in run.report["trials"]}
    holes, unflagged, seconds = [], [], defaultdict(float)
    always = {c.agent for c in GENERIC_CHEATS if c.flagged == "always"}
    if not LocalSandbox().cgroups.version:  # no run cgroup here: processes left running cannot be counted
        always.discard("redteam-background")
    for case in CASES:
        for agent in agents:
            t = trials.get((case.name, agent))
            if t is None:
                holes.append(f"{case.name} x {agent}: no trial recorded")
                continue
            seconds[agent] += t.get("timings", {}).get("total_s", 0.0)
            if t["outcome"] != "failed" or t["score"] >= 1.0:
                holes.append(f"{case.name} x {agent}: {t['outcome']} (score {t['score']}): {t['detail']}")
            if agent in always and not t.get("flags"):
                unflagged.append(f"{case.name} x {agent}")
    timing = ", ".join(f"{a}: {seconds[a]:.0f}s" for a in agents)
    why = {c.agent: c.why for c in GENERIC_CHEATS}
    assert not holes, ("generic cheats that did not fail:\n  " + "\n  ".join(holes)
                       + "\nwhat should have stopped them:\n  " + "\n  ".join(f"{a}: {w}" for a, w in why.items())
                       + f"\ntrial seconds per cheat: {timing}")
    assert run.returncode == 1, f"every trial fails, so the session's exit status is 1, got {run.returncode}"
    # integrity flags: the cheats that leave harness-side evidence on every task are flagged on every task
    # (the others: tests/redteam/test_flags.py on a task where each acts)
    assert not unflagged, "cheats with no integrity flag:\n  " + "\n  ".join(unflagged)
