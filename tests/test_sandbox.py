"""The local sandbox: limits, the stop, and what an agent can and cannot see."""
from __future__ import annotations

import time

HELLO = "cases/extras/hello_world"


def test_background_process_cannot_touch_the_graded_snapshot(bench):
    run = bench(HELLO, "--agent=probe-background", "--mldb-keep")
    trial = run.trial("probe-background")
    assert trial["outcome"] == "passed", trial["detail"]  # graded the good hello.py
    time.sleep(5)  # the detached writer would have fired by now if it had survived the stop
    workspaces = list(run.out_dir.parent.glob("**/hello_world__probe-background-1/workspace"))
    import tempfile, os  # noqa: E401
    scratch = list((__import__("pathlib").Path(tempfile.gettempdir()) / f"mldevbench-{os.getuid()}").glob(
        f"*/hello_world__probe-background-1/workspace"))
    kept = [w for w in workspaces + scratch if (w / "hello.py").exists()]
    assert kept, "the kept workspace was not found"
    for ws in kept:
        assert not (ws / "late_write").exists(), "a process the agent left behind survived the stop"
        assert "Hello, World!" in (ws / "hello.py").read_text()


def test_agent_cannot_read_the_repository_or_grading_material(bench):
    run = bench(HELLO, "--agent=oracle,probe-snoop", "--mldb-keep")  # the oracle's result is on disk first
    trial = run.trial("probe-snoop")
    assert trial["outcome"] == "failed"
    import tempfile, os, pathlib  # noqa: E401
    found = list((pathlib.Path(tempfile.gettempdir()) / f"mldevbench-{os.getuid()}").glob(
        "*/hello_world__probe-snoop-1/workspace/found.txt"))
    assert found, "the probe left no report"
    text = found[-1].read_text()
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
