"""Live progress on the controller: periodic status lines and <out>/progress.json.

A status line is written through pytest's terminal reporter at most once per interval, when a trial finishes,
on a line of its own between pytest's lines of progress letters: the letters' line is first finished as pytest
finishes it (with its `[ 48%]`); the line for the last trial follows pytest's own `[100%]`:

    ..F.F..                                                                  [ 35%]
    [mldb] 7/20 done (5 passed, 2 failed, 0 errors) | 2 running | 11 queued | $0.1234 | elapsed 5m12s | ETA 9m40s
    ...

Under xdist the controller sees every worker's logstart/logreport, so the counts cover all workers.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from ..results import RESULT_PROPERTY


def duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


class Progress:
    """Counts trials; prints a status line every `interval` seconds (0: never) and keeps progress.json."""

    def __init__(self, pluginmanager, out_dir: Path | None, interval: float, clock=time.monotonic):
        self.pluginmanager, self.out_dir, self.interval, self.clock = pluginmanager, out_dir, interval, clock
        self.start = self.last = clock()
        self.total = 0
        self.started: set[str] = set()
        self.finished: set[str] = set()
        self.counts = {"passed": 0, "failed": 0, "error": 0}
        self.cost = 0.0
        self.final_due = False

    # --- pytest hooks (registered on the controller only) ---
    def pytest_collection_finish(self, session):
        self.total = len(session.items)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids):
        self.total = max(self.total, len(ids))

    def pytest_runtest_logstart(self, nodeid, location):
        self.started.add(nodeid)

    @pytest.hookimpl(trylast=True)  # after the terminal reporter has written this report's letter
    def pytest_runtest_logreport(self, report):
        for name, value in getattr(report, "user_properties", ()):
            if name == RESULT_PROPERTY and report.nodeid not in self.finished:
                record = json.loads(value)
                self.finished.add(report.nodeid)
                self.counts[record["outcome"]] = self.counts.get(record["outcome"], 0) + 1
                cost = record.get("usage", {}).get("cost_usd", 0.0)
                self.cost = None if cost is None or self.cost is None else self.cost + cost
                self.tick()

    # --- state ---
    def snapshot(self) -> dict:
        done = len(self.finished)
        running = len(self.started - self.finished)
        total = max(self.total, len(self.started))
        elapsed = self.clock() - self.start
        eta = elapsed / done * (total - done) if done else None
        return {"total": total, "done": done, "running": running, "queued": max(0, total - done - running),
                **self.counts, "cost_usd": None if self.cost is None else round(self.cost, 6),
                "elapsed_s": round(elapsed, 1),
                "eta_s": None if eta is None else round(eta, 1)}

    def line(self) -> str:
        s = self.snapshot()
        eta = "?" if s["eta_s"] is None else duration(s["eta_s"])
        cost = "cost unknown" if s["cost_usd"] is None else f"${s['cost_usd']:.4f}"
        return (f"[mldb] {s['done']}/{s['total']} done ({s['passed']} passed, {s['failed']} failed, "
                f"{s['error']} errors) | {s['running']} running | {s['queued']} queued | {cost} | "
                f"elapsed {duration(s['elapsed_s'])} | ETA {eta}")

    def tick(self) -> None:
        self._write_json()
        now = self.clock()
        terminal = self.pluginmanager.get_plugin("terminalreporter")
        if self.interval > 0 and now - self.last >= self.interval and terminal is not None:
            if len(self.finished) >= max(self.total, len(self.started)):
                self.final_due = True  # after the last trial: once pytest has ended its line with [100%]
                return
            self.last = now
            end_pytest_line(terminal)
            terminal.write_line(self.line())

    @pytest.hookimpl(wrapper=True, tryfirst=True)  # outside the terminal reporter's: after its [100%]
    def pytest_runtestloop(self, session):
        try:
            return (yield)
        finally:
            terminal = self.pluginmanager.get_plugin("terminalreporter")
            if self.final_due and terminal is not None:
                _new_line(terminal)
                terminal.write_line(self.line())

    def _write_json(self) -> None:
        if self.out_dir is None:
            return
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            tmp = self.out_dir / "progress.json.tmp"
            tmp.write_text(json.dumps(self.snapshot(), sort_keys=True))
            os.replace(tmp, self.out_dir / "progress.json")
        except OSError:
            pass  # progress is a convenience; never fail a run over it


def end_pytest_line(terminal) -> None:
    """Finish the line pytest is writing progress letters on, as pytest itself would (with its `[ 48%]` where it
    shows one), so that a status line never splits it; pytest starts its next letters on a fresh line."""
    if not getattr(getattr(terminal, "_tw", None), "width_of_current_line", 0):
        return
    fill = getattr(terminal, "_write_progress_information_filling_space", None)  # pytest's own (private) helper
    if fill is not None and getattr(terminal, "_show_progress_info", False) and terminal.verbosity <= 0:
        fill()
    _new_line(terminal)


def _new_line(terminal) -> None:
    if terminal.currentfspath:
        terminal.ensure_newline()  # -n 0: pytest writes the file's path again before its next letters
    elif terminal._tw.width_of_current_line:
        terminal.write("\n")  # xdist: the letters carry no path, and pytest does not end their line itself
