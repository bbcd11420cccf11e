"""The trial watchdog (pytest-timeout): a hung trial becomes an infrastructure error naming the phase it hung in,
everything it started is ended, and the session goes on to the next trial."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "data" / "hang_cases" / "extras"
MARKERS = ("86399", "86398")  # the sleeps the hung trials leave behind (see their validators)


def survivors() -> list[str]:
    """`ps`: processes of the hung trials still alive."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[:1] == [b"sleep"] and any(m.encode() in argv for m in MARKERS):
            found.append(b" ".join(argv).decode())
    return found


def by_task(run) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for t in run.report["trials"]:
        out.setdefault(t["task_id"], []).append(t)
    return out


@pytest.fixture
def cases(pytester):
    shutil.copytree(CASES, pytester.path / "cases" / "extras")
    return pytester


def timeout_of(items, name: str) -> float | None:
    marker = next(i for i in items if i.name.startswith(name)).get_closest_marker("timeout")
    return None if marker is None else marker.args[0]


def test_timeout_marker_is_agent_plus_grading_plus_margin_and_the_stricter_wins(cases, monkeypatch):
    monkeypatch.setenv("MLDB_WATCHDOG_MARGIN_S", "7")
    items, _ = cases.inline_genitems("cases")
    assert timeout_of(items, "test_hang_grader") == 5 + 5 + 7      # task.toml: agent 5 s, grading 5 s
    assert timeout_of(items, "test_after_hang") == 60 + 60 + 7
    items, _ = cases.inline_genitems("cases", "--agent-timeout=100")
    assert timeout_of(items, "test_hang_grader") == 100 + 5 + 7     # --agent-timeout replaces the task's
    items, _ = cases.inline_genitems("cases", "--timeout=3")
    assert timeout_of(items, "test_after_hang") == 3                # the user's --timeout is stricter
    items, _ = cases.inline_genitems("cases", "--timeout=1000")
    assert timeout_of(items, "test_after_hang") == 127              # ours is stricter
    cases.makeini("[pytest]\ntimeout = 20\n")
    items, _ = cases.inline_genitems("cases")
    assert timeout_of(items, "test_after_hang") == 20               # the ini setting counts too
    assert timeout_of(items, "test_hang_grader") == 17


def test_hung_grader_and_preparation_are_errors_and_the_next_trial_runs(bench, monkeypatch):
    monkeypatch.setenv("MLDB_WATCHDOG_MARGIN_S", "2")  # 5 + 5 + 2 = 12 s per hung trial
    run = bench(*(str(CASES / name) for name in ("hang_grader", "hang_graded_run", "hang_prepare", "after_hang")),
                "-p", "no:randomly")
    assert run.report is not None, run.output[-3000:]
    trials = {task: ts[0] for task, ts in by_task(run).items()}
    grader, prepare, after = trials["hang_grader"], trials["hang_prepare"], trials["after_hang"]
    assert (grader["outcome"], grader["reason"]) == ("error", "infrastructure")
    assert grader["detail"].startswith("watchdog: the trial hung in grade and was stopped after 12s "
                                       "(agent 5s + grading 5s + margin 2s), at "
                                       "tests/data/hang_cases/extras/hang_grader/test_hang_grader.py:6 in "
                                       "test_hang_grader"), grader["detail"]
    assert (prepare["outcome"], prepare["reason"]) == ("error", "infrastructure")
    assert "hung in prepare" in prepare["detail"] and "in prepare_workspace" in prepare["detail"], prepare["detail"]
    stacks = (Path(grader["artifacts_dir"]) / "watchdog.log").read_text()
    assert "thread" in stacks and "test_hang_grader" in stacks
    # a graded command (the agent's code, in the sandbox) that hangs fails the trial, no error: the grading
    # budget (5 s) stops it before the watchdog (12 s) would
    graded = trials["hang_graded_run"]
    assert (graded["outcome"], graded["reason"]) == ("failed", "grading_timeout"), graded["detail"]
    assert "`sleep 86399`" in graded["detail"], graded["detail"]
    # the session went on: the next trial ran, and saw nothing of the hung ones alive (the graded command in the
    # sandbox, and the process the preparation started outside any sandbox)
    assert after["outcome"] == "passed", after["detail"]
    assert [c["name"] for c in after["checks"]] == ["no process of the hung trials survives"]
    assert {e["trial_id"] for e in run.report["errors"]} == {"hang_grader[oracle-1]", "hang_prepare[oracle-1]"}
    assert run.returncode == 1 and "Timeout" not in run.output  # no pytest-timeout stack dump on the terminal
    assert survivors() == []


def test_xdist_workers_go_on_after_hits_and_the_users_timeout_applies(bench):
    run = bench(str(CASES / "hang_grader"), str(CASES / "hang_prepare"), "--runs=2", "-n", "2", "--timeout=4")
    assert run.report is not None, run.output[-3000:]
    trials = run.report["trials"]
    assert len(trials) == 4 and {t["outcome"] for t in trials} == {"error"}  # each worker ran its second trial
    for t in trials:
        phase = "grade" if t["task_id"] == "hang_grader" else "prepare"
        assert t["detail"].startswith(f"watchdog: the trial hung in {phase} and was stopped after 4s "
                                      "(the user's --timeout/timeout setting)"), t["detail"]
        assert json.loads((Path(t["artifacts_dir"]) / "result.json").read_text())["outcome"] == "error"
    assert "crashed" not in run.output  # no worker was lost
    assert survivors() == []
