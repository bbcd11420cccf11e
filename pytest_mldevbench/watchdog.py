"""The trial watchdog: pytest-timeout bounds every trial item by its task's limits, so that a hang anywhere (the
harness, the asset mirror, the meter, a grader) ends that item, recorded as an infrastructure error, and the session
goes on with the next trial.

- **Timeout** of a trial item: agent timeout (--agent-timeout, else the task's) + the task's grading timeout + a
  margin for preparation, stop, snapshot and recording (MLDB_WATCHDOG_MARGIN_S, default 600 s). It is set as the
  item's `timeout` marker; a user's own --timeout / `timeout` ini / PYTEST_TIMEOUT / timeout marker still applies:
  the stricter wins.
- **Method: SIGALRM, always, for trial items.** pytest-timeout's `thread` method ends the whole process
  (`os._exit`) on a hit: the session with -n 0, the xdist worker (and every trial queued on it), the nested session
  on a Ray node. The alarm instead raises `WatchdogExpired` in the main thread wherever it waits (a child's wait, a
  socket, a lock, a sleep): it unwinds through the sandbox's own `finally` (its process group or container is
  ended), the trial is recorded as `error` naming the phase it hung in (but as failed when grading was waiting
  for a sandboxed command: that runs the trial's code or reads its output, and an agent must not be able to turn
  a failure into an error, which success rates leave out), then this plugin ends every process started
  during the item that descends from this one and restarts the process's meter and mirror (a hung one would hang
  the next trial too). WatchdogExpired is an outcome exception, so a validator's `except Exception` cannot swallow
  it. A main thread stuck inside C code never takes the exception: `BACKSTOP_S` later pytest-timeout's thread
  method ends the process after all (stacks dumped; xdist replaces the worker; a Ray node reports a lost trial).
- **One-time builds are not trial work**: the task environment, an agent's environment and the task's assets are
  made ready before the timer starts (a failure there is left for the trial to meet again and record).
- **Ray**: the controller's items only wait for the cluster (a queued trial is not a hung one), so they get no
  timeout; the nested session on the node runs this same watchdog, with the controller's --timeout forwarded.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Callable

import pytest

from .tasks import load_task

BACKSTOP_S = 120.0     # after the alarm, how long the main thread may stay deaf to it before the process is ended
STOP_SERVICES_S = 60.0  # bound on stopping the meter and mirror after a hit
PHASES = {"prepare": "prepare", "act": "act", "stop": "stop", "take_snapshot": "snapshot", "snapshot": "snapshot",
          "grade": "grade", "finish": "record", "record": "record"}
PYTEST_PHASES = {"setup": "setup", "call": "trial", "teardown": "teardown"}

LIMIT = pytest.StashKey[tuple]()      # (seconds, why) of a trial item
WHEN = pytest.StashKey[str]()         # the pytest phase the item is in
HIT = pytest.StashKey[bool]()


class WatchdogExpired(pytest.fail.Exception):
    """A trial outlived its watchdog in the harness: an infrastructure error. An outcome exception like
    pytest.fail's, so `except Exception` cannot swallow it."""

    def __init__(self, msg: str):
        super().__init__(msg, pytrace=False)


class GradedRunOverran(pytest.fail.Exception):
    """The watchdog found grading waiting on a sandboxed command, which runs the trial's own code or reads its
    output: the trial failed (an agent could otherwise turn a failure into an error, which rates leave out)."""

    def __init__(self, msg: str):
        super().__init__(msg, pytrace=False)


def trial_timeout(resources, cfg) -> tuple[float, str]:
    """(seconds, how they add up) for one trial of a task with these resources."""
    agent = float(cfg.agent_timeout or resources.agent_timeout_s)
    grading = float(resources.grading_timeout_s)
    margin = float(cfg.watchdog_margin_s)
    return agent + grading + margin, f"agent {agent:g}s + grading {grading:g}s + margin {margin:g}s"


def user_timeout(config, item=None) -> float | None:
    """The user's own pytest-timeout setting for `item` (marker, else --timeout / PYTEST_TIMEOUT / ini), if any."""
    import pytest_timeout
    marker = item.get_closest_marker("timeout") if item is not None else None
    if marker is not None:
        value = marker.kwargs.get("timeout", marker.args[0] if marker.args else None)
    else:
        value = pytest_timeout.get_env_settings(config).timeout
    try:
        value = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return value if value and value > 0 else None


def nested_args(config) -> list[str]:
    """The controller's --timeout for a nested session on a Ray node (its ini settings apply there anyway)."""
    if not enabled(config):
        return []
    value = user_timeout(config)
    return [f"--timeout={value:g}"] if value else []


def enabled(config) -> bool:
    return config.pluginmanager.has_plugin("timeout")  # pytest-timeout, unless the user ran with -p no:timeout


class Watchdog:
    """The plugin object; `services` gives this process's Services, `trial_of` an item's Trial (or None)."""

    def __init__(self, cfg, services: Callable[[], object], trial_of: Callable[[pytest.Item], object]):
        self.cfg, self.services, self.trial_of = cfg, services, trial_of

    # -- collection: the timeout marker --------------------------------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        for item in items:
            param = _param(item)
            if param is None:
                continue
            if self.cfg.executor != "local":
                item.add_marker(pytest.mark.timeout(0), append=False)  # the node's nested session watches the trial
                continue
            seconds, why = trial_timeout(load_task(Path(item.path).parent).resources_for(self.cfg.profile), self.cfg)
            user = user_timeout(config, item)
            if user is not None and user < seconds:
                seconds, why = user, "the user's --timeout/timeout setting"
            item.stash[LIMIT] = (seconds, why)
            item.add_marker(pytest.mark.timeout(seconds, func_only=False), append=False)  # closest: it wins

    # -- the run of one item ---------------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        """Outside pytest-timeout's own wrapper: one-time builds before its timer, the clean-up after a hit."""
        if LIMIT in item.stash:
            self._warm_up(item)
        started = _boot_ticks()
        try:
            return (yield)
        finally:
            if item.stash.get(HIT, False):
                self._clean_up(started)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        item.stash[WHEN] = "setup"

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item):
        item.stash[WHEN] = "call"

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_teardown(self, item):
        item.stash[WHEN] = "teardown"

    @pytest.hookimpl(tryfirst=True, optionalhook=True)
    def pytest_timeout_set_timer(self, item, settings):
        """pytest-timeout's hook: for trial items, the alarm raises WatchdogExpired (see the module docstring)."""
        if LIMIT not in item.stash or threading.current_thread() is not threading.main_thread():
            return None
        import pytest_timeout

        def on_alarm(signum, frame):
            if not settings.disable_debugger_detection and pytest_timeout.is_debugging():
                return
            item.stash[HIT] = True
            message = self._message(item, frame, settings.timeout)
            if getattr(self.trial_of(item), "phase", "") == "grade" and _in_sandbox(frame):
                raise GradedRunOverran(message + "; it was running a graded command in the sandbox, so the trial fails")
            raise WatchdogExpired(message)

        backstop = threading.Timer(settings.timeout + BACKSTOP_S, pytest_timeout.timeout_timer, (item, settings))
        backstop.daemon = True

        def cancel():
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            backstop.cancel()

        item.cancel_timeout = cancel  # what pytest-timeout's pytest_timeout_cancel_timer calls
        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, settings.timeout)
        backstop.start()
        return True

    # -- helpers ---------------------------------------------------------------------------------------------
    def _message(self, item, frame, seconds: float) -> str:
        trial = self.trial_of(item)
        phase = _phase(frame, trial, item.stash.get(WHEN, "setup"))
        where = _where(frame, Path(item.path).parent, item.config.rootpath)
        msg = f"watchdog: the trial hung in {phase} and was stopped after {seconds:g}s ({item.stash[LIMIT][1]})"
        msg += f", at {where}" if where else ""
        out = getattr(trial, "out", None)
        if out is not None:
            try:
                Path(out).mkdir(parents=True, exist_ok=True)
                (Path(out) / "watchdog.log").write_text(f"{msg}\n\n{_stacks(frame)}", encoding="utf-8")
                msg += "; thread stacks in watchdog.log"
            except OSError:
                pass
        return msg

    def _warm_up(self, item) -> None:
        services, param = self.services(), _param(item)
        if self.cfg.resume:
            return  # the item may only replay its record
        task = load_task(Path(item.path).parent)
        steps = [services.sandbox, services.task_python, lambda: services.ready(services.agents[param.agent])]
        if task.assets or task.grader_assets:
            steps.append(lambda: services.assets(task))
        for step in steps:
            try:
                step()
            except Exception:  # noqa: BLE001 - the trial meets it again, inside its watchdog, and records it
                return

    def _clean_up(self, since_ticks: int) -> None:
        """After a hit: end every process started during the item below this one; restart the meter and mirror."""
        for pid in _descendants(os.getpid(), since_ticks):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        _bounded(self.services().stop, STOP_SERVICES_S)


def _param(item):
    from .trial import param_of  # trial.py imports the harness: not at import time here
    return param_of(item)


def _frames(frame):
    while frame is not None:
        yield frame
        frame = frame.f_back


def _phase(frame, trial, when: str) -> str:
    """The trial's own `phase` if it keeps one, else the innermost phase method of the trial on the stack."""
    declared = getattr(trial, "phase", None)
    if isinstance(declared, str) and declared:
        return declared
    if trial is not None:
        for f in _frames(frame):
            if f.f_code.co_name in PHASES and f.f_locals.get("self") is trial:
                return PHASES[f.f_code.co_name]
    return PYTEST_PHASES.get(when, when)


def _in_sandbox(frame) -> bool:
    """Whether the main thread was waiting for a sandboxed command (Sandbox.run, or a judge session's, which runs
    in a thread of its own: grading/judge_session.py) when the alarm came."""
    from .grading.judge_session import JudgeSession
    from .sandbox.base import Sandbox
    return any((f.f_code.co_name == "run" and isinstance(f.f_locals.get("self"), Sandbox))
               or isinstance(f.f_locals.get("self"), JudgeSession) for f in _frames(frame))


def _where(frame, case_dir: Path, root: Path) -> str:
    """Where the main thread waited: the innermost harness frame and the innermost frame of the task's own code."""
    package = Path(__file__).parent
    found: dict[Path, str] = {}
    for f in _frames(frame):
        path = Path(f.f_code.co_filename)
        for base in (package, case_dir):
            if base not in found and path.is_relative_to(base):
                shown = path.relative_to(root) if path.is_relative_to(root) else path
                found[base] = f"{shown}:{f.f_lineno} in {f.f_code.co_name}"
    return ", called from ".join(found.values())


def _stacks(frame) -> str:
    out = ["main thread (where the alarm found it):\n" + "".join(traceback.format_stack(frame))]
    names = {t.ident: t.name for t in threading.enumerate()}
    for ident, f in sys._current_frames().items():
        if ident != threading.main_thread().ident:
            out.append(f"thread {names.get(ident, ident)}:\n" + "".join(traceback.format_stack(f)))
    return "\n".join(out)


def _boot_ticks() -> int:
    """Now, in the clock ticks since boot that /proc/<pid>/stat uses for a process's start time."""
    with open("/proc/uptime") as fh:
        return int(float(fh.read().split()[0]) * os.sysconf("SC_CLK_TCK"))


def _descendants(root: int, since_ticks: int) -> list[int]:
    """Processes below `root` (children, theirs, ...) that started at or after `since_ticks`."""
    children: dict[int, list[tuple[int, int]]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append((int(entry), int(fields[19])))
    found, todo = [], [root]
    while todo:
        for pid, start in children.get(todo.pop(), []):
            todo.append(pid)
            if start >= since_ticks - 1:
                found.append(pid)
    return found


def _bounded(step: Callable[[], None], seconds: float) -> None:
    """Run `step`, abandoning it (it may hang too) after `seconds`."""
    class _Late(BaseException):
        pass

    def late(signum, frame):
        raise _Late()

    previous = signal.signal(signal.SIGALRM, late)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        step()
    except (_Late, Exception):  # noqa: BLE001 - best effort: the next trial starts fresh services
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
