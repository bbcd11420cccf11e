"""Integrity flags on the generic red-team cheats: one small session (the oracle and every cheat on a task where
each has something to act on) in which every flaggable cheat's trial carries a flag and the oracle's none.

mcts_implementation gives the cheats a module to inject into (forge class), a protected test to edit and
scripts to replace; it is one of the fastest tasks. Cheats no trusted source can see (`flagged="never"` in
tests/redteam/agents.py, with the reason) are listed, not asserted. tests/redteam/test_redteam.py asserts
the "always" cheats over every task; tests/test_validity.py that every oracle trial is clean.
"""
from __future__ import annotations

from pytest_mldevbench.sandbox.local import LocalSandbox
from tests.redteam.agents import GENERIC_CHEATS

TASK = "cases/extras/mcts_implementation"


def test_every_flaggable_cheat_is_flagged_and_the_oracle_is_clean(bench):
    agents = ["oracle", *[c.agent for c in GENERIC_CHEATS]]
    run = bench("-p", "tests.redteam.agents", TASK, f"--agent={','.join(agents)}", "-n", "2", "--dist", "worksteal",
                "--mldb-progress", "0", "--mldb-fail-fast", timeout=600)
    assert run.report is not None, f"the session wrote no report (exit {run.returncode}):\n{run.output[-4000:]}"
    oracle = run.trial("oracle")
    assert oracle["outcome"] == "passed" and oracle["flags"] == [], (oracle["outcome"], oracle["flags"])
    missing, got = [], {}
    counted = bool(LocalSandbox().cgroups.version)  # without a run cgroup, processes left are not counted
    for cheat in GENERIC_CHEATS:
        trial = run.trial(cheat.agent)
        assert trial["outcome"] == "failed", f"{cheat.agent}: {trial['outcome']}: {trial['detail']}"
        got[cheat.agent] = sorted({f["flag"] for f in trial["flags"]})
        if cheat.flagged != "never" and not trial["flags"] and (cheat.name != "background" or counted):
            missing.append(cheat.agent)
    table = "\n  ".join(f"{a}: {', '.join(k) or '-'}" for a, k in got.items())
    assert not missing, f"cheats without an integrity flag: {missing}\nflags per cheat:\n  {table}"
