"""--mldb-fail-fast and the harness's "the agent changed <editable>" check (tasks with `files.editable`)."""
from __future__ import annotations

NAN = "cases/debugging/nan_loss_debug"


def _checks(trial):
    return [(c["name"], c["ok"]) for c in trial["checks"]]


def test_untouched_editable_files_fail_first_and_fail_fast_skips_the_graded_runs(bench):
    fast = bench(NAN, "--agent=null", "--mldb-fail-fast").trial("null")
    assert fast["outcome"] == "failed" and fast["score"] < 1.0, fast["detail"]
    assert _checks(fast)[0] == ("the agent changed train.py", False), _checks(fast)
    assert "grading stopped before `python" in fast["detail"] and "--mldb-fail-fast" in fast["detail"], fast["detail"]

    full = bench(NAN, "--agent=null").trial("null")  # without the flag every check is recorded
    assert full["outcome"] == "failed" and _checks(full)[0] == ("the agent changed train.py", False)
    assert len(full["checks"]) > len(fast["checks"]), (_checks(full), _checks(fast))
    assert "grading stopped" not in full["detail"]


def test_fail_fast_changes_nothing_for_a_passing_trial(bench):
    trial = bench(NAN, "--agent=oracle", "--mldb-fail-fast").trial("oracle")
    assert trial["outcome"] == "passed" and trial["score"] == 1.0, trial["detail"]
    assert ("the agent changed train.py", True) in _checks(trial)
