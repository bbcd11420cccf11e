"""Every case: the oracle passes, `null` fails, and each of its listed cheats fails (none is an error)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.cheat_agents import all_cheats, cheat_agent_name

REPO = Path(__file__).resolve().parents[1]
CASES = sorted(p.parent for p in (REPO / "cases").glob("*/*/task.toml"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_oracle_passes_null_and_cheats_fail(bench, case):
    cheats = [cheat_agent_name(case.name, c.name) for c in all_cheats().get(case.name, [])]
    # --mldb-fail-fast: a failing trial stops at its first failed check (the oracle, passing, runs them all)
    run = bench(str(case.relative_to(REPO)), f"--agent={','.join(['oracle', 'null', *cheats])}", "--mldb-fail-fast")
    assert run.report is not None, run.output[-4000:]
    oracle = run.trial("oracle")
    assert oracle["outcome"] == "passed", f"oracle: {oracle['detail']}\n{run.output[-3000:]}"
    assert oracle["score"] == 1.0
    assert oracle["flags"] == [], f"the oracle's trial is flagged (integrity.py): {oracle['flags']}"
    if case.parent.name == "performance":  # the recomputed metric is reported with its check, pass or fail
        for trial in [oracle, run.trial("null")]:
            assert sum(c["value"] is not None for c in trial["checks"]) <= 1
        assert [c["value"] for c in oracle["checks"] if c["value"] is not None], oracle["checks"]
    for agent in ["null", *cheats]:
        trial = run.trial(agent)
        assert trial["outcome"] == "failed", f"{agent} was {trial['outcome']}: {trial['detail']}"
        assert trial["score"] < 1.0


def test_every_case_has_cheats():
    missing = [c.name for c in CASES if not all_cheats().get(c.name)]
    assert not missing, f"cases without cheats in tests/cheats/: {missing}"
