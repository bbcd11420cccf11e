"""The harness's output stays legible under -n (issue 24, item 8): configure-time warnings of other plugins are
shown once, in pytest's warnings summary, and status lines sit between pytest's lines of progress letters."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.report.noisy_plugin import MESSAGE

HELLO = str(Path(__file__).resolve().parents[2] / "cases" / "extras" / "hello_world")
STATUS = "[mldb] "
PERCENT = re.compile(r"\[ *\d+%\]$")


def session_lines(output: str) -> list[str]:
    """The lines from the session's start to the first summary section."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if "test session starts" in line)
    end = next(i for i, line in enumerate(lines) if i > start and re.match(r"^=+ \w", line))
    return lines[start:end]


@pytest.mark.parametrize("workers", ["2", "0"])
def test_warnings_once_and_status_lines_between_pytests_lines(bench, workers):
    run = bench(HELLO, "--agent=oracle,null", "--runs=4", "-n", workers, "--mldb-progress=0.001",
                "-p", "tests.report.noisy_plugin", "-o", "console_output_style=progress")
    assert run.report is not None and len(run.report["trials"]) == 8, run.output[-3000:]
    if workers != "0":  # without xdist pytest prints it as it always has, once
        assert run.output.count(MESSAGE) == 1, run.output  # not once per process: once, in the warnings summary
        assert run.output.index(MESSAGE) > run.output.index("warnings summary")
    lines = session_lines(run.output)
    status = [i for i, line in enumerate(lines) if STATUS in line]
    assert len(status) >= 3, run.output
    for i in status:
        assert lines[i].startswith(STATUS), lines[i]                 # a line of its own
        assert PERCENT.search(lines[i - 1].rstrip()), lines[i - 1]   # after pytest's line, finished with its [ N%]
    letters = [line for line in lines if PERCENT.search(line.rstrip())]
    assert all(line.split("[")[0].strip() for line in letters), letters  # no [ N%] on a line of its own
    assert letters[-1].rstrip().endswith("[100%]")
    last = [line for line in lines if line.strip()][-1]
    assert last.startswith("[mldb] 8/8 done"), lines[-3:]  # the last trial's line follows pytest's [100%]
