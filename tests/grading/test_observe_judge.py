"""observe → judge through the real sandbox: probes isolated, judge apart; the grading budget."""
import os
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parents[1] / "data" / "grading_cases" / "extras"


def test_probes_are_isolated_and_the_judge_runs_apart(bench):
    trial = bench(str(CASES / "probe_isolation"), "--agent=oracle").trial("oracle")
    assert trial["outcome"] == "passed", trial["checks"]
    assert [c["name"] for c in trial["checks"]][0].startswith("first")


def test_graded_runs_share_grading_timeout_s(bench):
    trial = bench(str(CASES / "grading_budget"), "--agent=oracle").trial("oracle")
    assert trial["outcome"] == "failed" and trial["reason"] == "grading_timeout", trial
    assert "grading_timeout_s" in trial["detail"] and "sleep" in trial["detail"], trial["detail"]
    assert [c["name"] for c in trial["checks"]] == ["a check before the slow run"]
    assert trial["timings"]["grade_s"] < 20


def test_agent_code_cannot_touch_what_a_judge_wrote(bench):
    """As root the judge has a uid of its own: agent code (a probe importing it) can neither write nor chmod
    the judge's inputs folder it reads, and owns nothing of it."""
    if os.geteuid() != 0:
        pytest.skip("without root, judges and agent code share the harness's uid (in a user namespace)")
    trial = bench(str(CASES / "judge_apart"), "--agent=oracle").trial("oracle")
    assert trial["outcome"] == "passed", trial["checks"]
    assert len(trial["checks"]) == 4
