"""Every generic red-team cheat fails on every task (smoke profile): one benchmark session per task.

Each task (present and future: every cases/*/*/task.toml) is one test, a session running every agent of
tests/redteam/agents.py on it, so that xdist spreads the matrix over its workers (one session of all 578
trials was a single 23-minute test). A trial that passes, or that ends as a harness error, is a hole to fix.
Set MLDB_REDTEAM_JSON=folder to keep each session's JSON report there as <task_id>.json (docs/validity.md is
generated from them: `python -m tests.redteam.make_validity_table folder/*.json`) and MLDB_REDTEAM_WORKERS to
give each session xdist workers (default none: the test's own xdist worker runs it).

The "forge at grading" class (agents.FORGE_CHEATS: exit hooks, success lines + os._exit, patched testing
modules, shape-only stubs, grading detection, combined) fails because no verdict comes from a process that ran
agent code (docs/architecture.md): what such a process writes, prints or exits with is only an observation.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_mldevbench.sandbox import fileaudit
from pytest_mldevbench.sandbox.local import LocalSandbox
from tests.redteam.agents import GENERIC_CHEATS, agent_names

REPO = Path(__file__).resolve().parents[2]
CASES = sorted(p.parent for p in (REPO / "cases").glob("*/*/task.toml"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_generic_cheat_fails_on_every_task(bench, case):
    agents = agent_names()
    args = ["-p", "tests.redteam.agents", str(case.relative_to(REPO)), f"--agent={','.join(agents)}",
            "--mldb-progress", "0", "--mldb-fail-fast"]  # every trial must fail: its first failed check decides
    if os.environ.get("MLDB_REDTEAM_WORKERS"):
        args += ["-n", os.environ["MLDB_REDTEAM_WORKERS"], "--dist", "worksteal"]
    if os.environ.get("MLDB_REDTEAM_JSON"):
        folder = Path(os.environ["MLDB_REDTEAM_JSON"])
        folder.mkdir(parents=True, exist_ok=True)
        args.append(f"--mldb-json={folder / f'{case.name}.json'}")
    run = bench(*args, timeout=2400)
    assert run.report is not None, f"the session wrote no report (exit {run.returncode}):\n{run.output[-4000:]}"
    trials = {t["agent"]: t for t in run.report["trials"]}
    holes, unflagged, seconds = [], [], {}
    always = {c.agent for c in GENERIC_CHEATS if c.flagged == "always"}
    if not LocalSandbox().cgroups.version:  # no run cgroup here: processes left running cannot be counted
        always.discard("redteam-background")
    if not fileaudit.supported():  # no file-access audit on this architecture: probes are not recorded
        always -= {"redteam-snoop", "redteam-scavenge"}
    for agent in agents:
        t = trials.get(agent)
        if t is None:
            holes.append(f"{case.name} x {agent}: no trial recorded")
            continue
        seconds[agent] = t.get("timings", {}).get("total_s", 0.0)
        if t["outcome"] != "failed" or t["score"] >= 1.0:
            holes.append(f"{case.name} x {agent}: {t['outcome']} (score {t['score']}): {t['detail']}")
        if agent in always and not t.get("flags"):
            unflagged.append(f"{case.name} x {agent}")
    timing = ", ".join(f"{a}: {s:.0f}s" for a, s in seconds.items())
    why = {c.agent: c.why for c in GENERIC_CHEATS}
    assert not holes, ("generic cheats that did not fail:\n  " + "\n  ".join(holes)
                       + "\nwhat should have stopped them:\n  " + "\n  ".join(f"{a}: {w}" for a, w in why.items())
                       + f"\ntrial seconds per cheat: {timing}")
    assert run.returncode == 1, f"every trial fails, so the session's exit status is 1, got {run.returncode}"
    # integrity flags: the cheats that leave harness-side evidence on every task are flagged on every task
    # (the others: tests/redteam/test_flags.py on a task where each acts)
    assert not unflagged, "cheats with no integrity flag:\n  " + "\n  ".join(unflagged)
