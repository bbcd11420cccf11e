"""--mldb-sequential: run the trials round by round and skip the rounds the gate's verdict no longer needs.

Items are ordered by run index (round r = run r of every selected task × agent-model; the order within a
round is kept). The controller keeps a ledger of the session, `<--mldb-out>/.sequential/<token>/ledger.json`,
rewritten atomically after every report: the trials done (run, crashed or skipped), their records, which
were skipped. A process about to start a trial of round r > 1 (the single pytest process, or an xdist
worker) first marks it *entered* (a file of its own in the same folder, before pytest-timeout's timer),
then waits until every trial of the earlier rounds is done — but only while one of those not yet done has
entered a process (is running, or waiting in turn): a trial no process has entered may sit in this very
worker's queue behind this one, so waiting for it alone could deadlock, and the trial runs instead. (The
lowest-round trial entered and not done never waits, so some trial always progresses.) It then asks
report/sequential.py whether the trial is still needed; if not, it is skipped with the reason (reported
as not run, never as failed). The token (handed to xdist workers through workerinput) keeps a stale ledger
of an earlier session in the same folder from being read. Under `--dist load` the controller uses xdist's
LoadScheduling, which hands items out in collection order, i.e. round by round.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from pathlib import Path

import pytest

from .report import json_report, sequential
from .results import RESULT_PROPERTY
from .trial import param_of

PLANNED_PROPERTY = "mldb.planned"  # {task_id, label, run} on every report of a trial item
SKIPPED_PROPERTY = "mldb.skipped"  # the reason, on the report of a trial the sequential gate did not run
WORKERINPUT_KEY = "mldb_sequential_token"
RECORD_KEYS = ("task_id", "agent", "model", "run", "outcome")  # what a look reads of a trial's record
POLL_S = 0.25


def _planned(item) -> sequential.Planned | None:
    p = param_of(item)
    marker = item.get_closest_marker("mldb_task")
    if p is None or marker is None or not hasattr(p, "run"):
        return None
    return sequential.Planned(marker.args[0], p.agent if not p.model else f"{p.agent}-{p.model}", p.run)


def _entered_name(nodeid: str) -> str:
    return hashlib.sha256(nodeid.encode()).hexdigest()[:32]


def folder(out_dir: Path, token: str) -> Path:
    return out_dir / ".sequential" / token


class Ledger:
    """Controller: what is known of the session, from the reports of every process."""

    def __init__(self, out_dir: Path):
        self.token = uuid.uuid4().hex
        self.dir = folder(out_dir, self.token)
        self.progress = sequential.Progress(planned={})
        (self.dir / "entered").mkdir(parents=True, exist_ok=True)
        self._write()

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node):
        node.workerinput[WORKERINPUT_KEY] = self.token

    @pytest.hookimpl(optionalhook=True, tryfirst=True)
    def pytest_xdist_make_scheduler(self, config, log):
        """Under `--dist load`, xdist's own LoadScheduling: it hands items out in collection order, i.e. by round."""
        if config.getvalue("dist") != "load":
            return None
        from xdist.scheduler import LoadScheduling
        return LoadScheduling(config, log)

    def pytest_runtest_logreport(self, report):
        changed = False
        for name, value in getattr(report, "user_properties", ()):
            if name == PLANNED_PROPERTY and report.nodeid not in self.progress.planned:
                self.progress.planned[report.nodeid] = sequential.Planned(**json.loads(value))
            elif name == RESULT_PROPERTY and report.nodeid not in self.progress.records:
                record = json.loads(value)
                self.progress.records[report.nodeid] = {key: record.get(key) for key in RECORD_KEYS}
                changed = True
            elif name == SKIPPED_PROPERTY:
                self.progress.skipped.add(report.nodeid)
        if report.when not in ("setup", "call"):  # teardown, or xdist's report of a crashed worker's trial
            self.progress.done.add(report.nodeid)
            changed = True
        if changed:
            self._write()

    def _write(self) -> None:
        data = {"token": self.token, "done": sorted(self.progress.done), "skipped": sorted(self.progress.skipped),
                "records": self.progress.records}
        try:
            tmp = self.dir / "ledger.json.tmp"
            tmp.write_text(json.dumps(data))
            os.replace(tmp, self.dir / "ledger.json")
        except OSError:
            pass  # readers that cannot read the ledger run their trials: nothing is skipped on a guess

    def pytest_unconfigure(self, config) -> None:
        self.remove()

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        try:
            self.dir.parent.rmdir()  # .sequential, unless another session is using it
        except OSError:
            pass


class RoundGate:
    """Every process that runs trials: orders them by round, waits for the earlier rounds, skips the unneeded."""

    def __init__(self, config, out_dir: Path, rounds: int, token: str):
        self.config, self.rounds, self.token = config, rounds, token
        self.dir = folder(out_dir, token)
        self.plan: dict[str, sequential.Planned] = {}
        self._base: dict | None = None

    @pytest.hookimpl(wrapper=True)
    def pytest_collection_modifyitems(self, items):
        """After every other ordering (a stable sort: whatever order they chose stays within a round)."""
        result = yield
        items[:] = sorted(items, key=lambda item: getattr(param_of(item), "run", 0))
        self.plan = {item.nodeid: p for item in items if (p := _planned(item)) is not None}
        return result

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        planned = self.plan.get(item.nodeid)
        if planned is not None:
            item.user_properties.append((PLANNED_PROPERTY, json.dumps(planned.__dict__)))
            reason = self._skip_reason(item.nodeid, planned)
            if reason is not None:
                item.user_properties.append((SKIPPED_PROPERTY, reason))
                item.add_marker(pytest.mark.skip(reason=f"mldb sequential gate: not needed: {reason}"))
        return (yield)

    def _skip_reason(self, nodeid: str, planned: sequential.Planned) -> str | None:
        try:
            (self.dir / "entered" / _entered_name(nodeid)).touch()
        except OSError:
            return None
        if planned.run == 1:
            return None
        earlier = [n for n, p in self.plan.items() if p.run < planned.run]
        ledger = self._wait(earlier)
        if ledger is None:
            return None
        progress = sequential.Progress(self.plan, set(ledger["done"]), set(ledger["skipped"]), ledger["records"])
        try:
            base = self.baseline()
        except (OSError, ValueError):
            return None  # the controller read it at the start; if it is gone now, run rather than guess
        return sequential.evaluate(base, progress, self.rounds).skip_reason(planned.label, planned.run)

    def _wait(self, earlier: list[str]) -> dict | None:
        """The ledger once every earlier trial is done, or once none of those not done has entered a process
        (nothing is working towards them: they may be queued behind this trial); None if it cannot be read."""
        while True:
            try:
                ledger = json.loads((self.dir / "ledger.json").read_text(encoding="utf-8"))
                entered = set(os.listdir(self.dir / "entered"))
            except (OSError, ValueError):
                return None
            if ledger.get("token") != self.token:
                return None
            done = set(ledger["done"])
            missing = [n for n in earlier if n not in done]
            if not any(_entered_name(n) in entered for n in missing):
                return ledger
            time.sleep(POLL_S)

    def baseline(self) -> dict:
        if self._base is None:
            self._base = json_report.load(Path(self.config.getoption("--mldb-baseline")))
        return self._base


def configure(config, out_dir: Path, rounds: int, is_worker: bool, executor: str) -> Ledger | None:
    """Register the sequential mode when --mldb-sequential is given (usage errors exit 4); the controller's Ledger."""
    if not config.getoption("--mldb-sequential"):
        return None
    if not config.getoption("--mldb-baseline"):
        raise pytest.UsageError("--mldb-sequential needs --mldb-baseline BASE.json (the report to gate against)")
    if executor != "local":
        raise pytest.UsageError("--mldb-sequential runs trials in rounds: it does not work with --executor ray")
    ledger = None
    if is_worker:
        token = config.workerinput.get(WORKERINPUT_KEY)
    else:
        try:
            ledger = Ledger(out_dir)
        except OSError as exc:
            raise pytest.UsageError(f"--mldb-sequential: cannot write its ledger under {out_dir}: {exc}") from None
        config.pluginmanager.register(ledger, "mldevbench-sequential-ledger")
        token = ledger.token
    if token is not None:
        config.pluginmanager.register(RoundGate(config, out_dir, rounds, token), "mldevbench-sequential")
    return ledger


def verdict(base: dict, ledger: Ledger, rounds: int) -> tuple[str, bool, dict]:
    """Controller, at the end: the sequential gate's text, whether it passes, and its JSON for the report."""
    from .report.compare import SCHEMA
    result = sequential.evaluate(base, ledger.progress, rounds)
    ok = result.verdict != "worse"
    return result.render(), ok, {"schema": SCHEMA, "gate": "pass" if ok else "fail", "sequential": result.to_dict()}
