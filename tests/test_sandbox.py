"""The local sandbox: limits, the stop, and what an agent can and cannot see."""
from __future__ import annotations

import time
from pathlib import Path

HELLO = "cases/extras/hello_world"


def test_background_process_cannot_touch_the_graded_snapshot(bench):
    run = bench(HELLO, "--agent=probe-background", "--mldb-keep")
    trial = run.trial("probe-background")
    assert trial["outcome"] == "passed", trial["detail"]  # graded the good hello.py
    time.sleep(5)  # the detached writer would have fired by now if it had survived the stop
    ws = Path(trial["scratch_dir"]) / "workspace"
    assert (ws / "hello.py").is_file(), "the kept workspace was not found"
    assert not (ws / "late_write").exists(), "a process the agent left behind survived the stop"
    assert "Hello, World!" in (ws / "hello.py").read_text()


def test_agent_cannot_read_the_repository_or_grading_material(bench):
    run = bench(HELLO, "--agent=oracle,probe-snoop", "--mldb-keep")  # the oracle's result is on disk first
    trial = run.trial("probe-snoop")
    assert trial["outcome"] == "failed"
    found = Path(trial["scratch_dir"]) / "workspace" / "found.txt"
    assert found.is_file(), "the probe left no report"
    text = found.read_text()
    assert text.strip() == "", f"the sandbox exposed:\n{text[:2000]}"


def test_agent_timeout_is_enforced_by_the_harness(bench):
    start = time.monotonic()
    run = bench(HELLO, "--agent=probe-sleep", "--agent-timeout=2")
    trial = run.trial("probe-sleep")
    assert trial["outcome"] == "failed" and trial["reason"] == "timeout"
    assert trial["agent_status"] == "timeout"
    assert time.monotonic() - start < 120


def test_crashed_agent_is_a_failure_with_reason(bench):
    run = bench(HELLO, "--agent=probe-crash")
    trial = run.trial("probe-crash")
    assert trial["agent_exit_code"] == 3 and trial["agent_status"] == "crash"
    # the file it wrote before crashing is graded like any other: it solved the task
    assert trial["outcome"] == "passed"
