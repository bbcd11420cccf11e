"""observe → judge through the real sandbox: probes isolated, judge apart; the grading budget."""
from pathlib import Path

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
