"""--mldb-baseline turns the session's exit status into the gate's verdict; live progress lines."""
from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest

from pytest_mldevbench import plugin
from pytest_mldevbench.report.progress import Progress, duration

from .factory import report, trial

HELLO = "cases/extras/hello_world"


def test_baseline_gate_sets_the_exit_status(bench, tmp_path):
    base = bench(HELLO, "--agent=oracle", "--runs=4", f"--mldb-json={tmp_path / 'base.json'}")
    assert base.returncode == 0
    worse = bench(HELLO, "--agent=null", "--runs=4", f"--mldb-baseline={tmp_path / 'base.json'}")
    assert worse.returncode == 1 and "gate: FAIL (significantly worse)" in worse.output
    assert "oracle -> null: 100.0% -> 0.0%" in worse.output
    assert "minimum detectable drop: " in worse.output and len(worse.report["trials"]) == 4  # every trial ran
    gate = worse.report["gate"]  # the verdict is in the report too, with what the run could detect
    assert gate["gate"] == "fail" and gate["comparisons"][0]["verdict"] == "worse" and "sequential" not in gate
    # failed trials no longer decide: the verdict does (the same agent is no worse; mixed agents pair by label)
    mixed = bench(HELLO, "--agent=oracle,null", "--runs=4", f"--mldb-baseline={tmp_path / 'base.json'}", "-n", "2")
    assert "4 failed" in mixed.output and mixed.returncode == 0 and "gate: PASS" in mixed.output
    assert "agent-models not compared (only in new: null)" in mixed.output
    broken = bench(HELLO, "--agent=oracle", f"--mldb-baseline={tmp_path / 'missing.json'}")
    assert broken.returncode == 4 and "--mldb-baseline: cannot read" in broken.output


def test_progress_lines_under_xdist(bench):
    run = bench(HELLO, "--agent=oracle,null", "--runs=2", "-n", "2", "--mldb-progress=0")
    assert "[mldb]" not in run.output  # 0 turns the lines off
    run = bench(HELLO, "--agent=oracle,null", "--runs=2", "-n", "2", "--mldb-progress=0.001")
    lines = [line for line in run.output.splitlines() if "[mldb]" in line]
    assert lines and all(line.startswith("[mldb] ") for line in lines), run.output  # each on its own line
    assert lines[-1].startswith("[mldb] 4/4 done (2 passed, 2 failed, 0 errors) | 0 running | 0 queued | $0.0000")
    assert json.loads((run.out_dir / "progress.json").read_text())["done"] == 4


class _Terminal:
    def __init__(self):
        self.lines = []
        self._tw = self

    width_of_current_line = 0

    def write(self, text):
        self.lines.append(text)

    def write_line(self, text):
        self.lines.append(text)


class _Plugins:
    def __init__(self, terminal):
        self.terminal = terminal

    def get_plugin(self, name):
        return self.terminal if name == "terminalreporter" else None


class _Report:
    def __init__(self, nodeid, outcome, cost):
        self.nodeid = nodeid
        self.user_properties = [("mldb.result", json.dumps({"outcome": outcome, "usage": {"cost_usd": cost}}))]


def test_progress_counts_cost_eta_and_interval(tmp_path):
    now = [100.0]
    term = _Terminal()
    p = Progress(_Plugins(term), tmp_path, interval=10, clock=lambda: now[0])
    p.total = 6
    for i in range(3):
        p.pytest_runtest_logstart(f"t{i}", None)
    now[0] = 130.0
    p.pytest_runtest_logreport(_Report("t0", "passed", 0.25))
    p.pytest_runtest_logreport(_Report("t0", "passed", 0.25))  # the same trial reported twice counts once
    now[0] = 135.0
    p.pytest_runtest_logreport(_Report("t1", "failed", 0.5))  # within 10 s of the last line: no new line
    assert term.lines == ["[mldb] 1/6 done (1 passed, 0 failed, 0 errors) | 2 running | 3 queued | $0.2500 | "
                          "elapsed 30s | ETA 2m30s"]
    snap = p.snapshot()
    assert snap["done"] == 2 and snap["running"] == 1 and snap["queued"] == 3 and snap["cost_usd"] == 0.75
    assert snap["eta_s"] == 35 / 2 * 4
    assert json.loads((tmp_path / "progress.json").read_text())["done"] == 2
    assert [duration(s) for s in (5, 75, 3725)] == ["5s", "1m15s", "1h02m"]
    assert re.fullmatch(r"\[mldb\] .*ETA \S+", p.line())


def _gate(base: dict, new: dict, status=pytest.ExitCode.TESTS_FAILED):
    stash = pytest.Stash()
    stash[plugin.BASELINE], stash[plugin.RESULTS] = base, {}
    session = SimpleNamespace(exitstatus=status, config=SimpleNamespace(stash=stash))
    plugin._baseline_gate(session, new)
    return session.exitstatus, stash[plugin.RESULTS].get("gate", "")


def test_gate_verdicts_errors_and_interruptions():
    base = report([trial(t, "a", r, True) for t in "xyz" for r in (1, 2)])
    same = report([trial(t, "a", r, r == 1) for t in "xyz" for r in (1, 2)])  # 3 of 6 lost: not significant
    status, text = _gate(base, same)
    assert status == pytest.ExitCode.OK and "gate: PASS" in text
    status, text = _gate(base, report(same["trials"] + [trial("x", "a", 3, None)]))
    assert status == pytest.ExitCode.TESTS_FAILED and "1 infrastructure errors" in text
    assert _gate(base, same, pytest.ExitCode.INTERRUPTED)[0] == pytest.ExitCode.INTERRUPTED
    status, text = _gate(base, report([trial("x", "b", 1, True), trial("x", "c", 1, True)]))
    assert status == pytest.ExitCode.TESTS_FAILED and "no agent-model in common" in text
