"""observe → judge through the real sandbox: probes isolated, judge apart; the grading budget."""
import os
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parents[1] / "data" / "grading_cases" / "extras"


def test_probes_are_isolated_and_the_judge_runs_apart(bench):
    trial = bench(str(CASES / "probe_isolation"), "--agent=oracle").trial("oracle")
    assert trial["outcome"] == "passed", trial["checks"]
    assert [c["name"] for c in trial["checks"]][0].startswith("first")


def test_fail_fast_starts_no_fresh_probe_process_after_a_crash(bench):
    """--mldb-fail-fast: the probe whose process died fails its check, so the later probes are noted "not run"
    (no fresh process, no wait on the hanging probe) and every check that needs them fails."""
    trial = bench(str(CASES / "probe_isolation"), "--agent=oracle", "--mldb-fail-fast").trial("oracle")
    assert trial["outcome"] == "failed" and trial["score"] < 1.0, trial["checks"]
    checks = {c["name"].split(":")[0]: c for c in trial["checks"]}
    assert checks["first"]["ok"], checks["first"]
    assert not checks["last"]["ok"] and "not run: --mldb-fail-fast stopped the observation after probe exits" \
        in checks["last"]["detail"], checks["last"]
    assert not checks["failures"]["ok"], checks["failures"]
    assert trial["timings"]["grade_s"] < 15, trial["timings"]  # the hanging probe (15 s watchdog) never ran


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


def test_one_judge_process_draws_the_inputs_and_judges(bench):
    """A probing trial starts one judge process for `inputs` and `judge` (grading/judge_session.py), whose judge()
    sees torch's generator as before inputs() moved it; a second judge of the same inputs gets a fresh process, the
    inputs and judge steps keep their timeouts, and a session never judged is stopped when grading ends."""
    run = bench(str(CASES / "judge_session"), "--agent=oracle")
    trial = run.trial("oracle")
    assert trial["outcome"] == "passed", trial["checks"]
    assert len(trial["checks"]) == 6
    log = next(run.out_dir.glob("judge_session__oracle-*/grading.log")).read_text()
    judges = [line.split("judge_runner.py ")[1].split()[0] for line in log.splitlines()
              if line.startswith("$ [judge]")]
    assert sorted(judges) == ["judge"] + ["session"] * 4, judges
    assert "stopped=True" in log  # the session never judged
    assert trial["timings"]["grade_s"] < 60, trial["timings"]
