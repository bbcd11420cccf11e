"""Live progress on the controller: periodic status lines and <out>/progress.json.

A status line is written through pytest's terminal reporter (which ends the current progress-dots line
first, so nothing is garbled), at most once per interval, when a trial finishes:

    [mldb] 12/40 done (9 passed, 3 failed, 0 errors) | 2 running | 26 queued | $0.1234 | elapsed 5m12s | ETA 14m40s

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

    # --- pytest hooks (registered on the controller only) ---
    def pytest_collection_finish(self, session):
        self.total = len(session.items)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids):
        self.total = max(self.total, len(ids))

    def pytest_runtest_logstart(self, nodeid, location):
        self.started.add(nodeid)

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
            self.last = now
            if getattr(getattr(terminal, "_tw", None), "width_of_current_line", 0):
                terminal.write("\n")  # under xdist the progress dots do not end their line themselves
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
