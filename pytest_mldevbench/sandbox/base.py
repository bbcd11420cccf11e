"""The sandbox interface: run one command with limits, then make sure nothing it started survives."""
from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .output import Capture, read_fd


@dataclass
class SandboxSpec:
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    rw_paths: list[Path] = field(default_factory=list)      # the only writable places
    ro_paths: list[Path] = field(default_factory=list)      # re-exposed read-only inside hidden places
    hidden_paths: list[Path] = field(default_factory=list)  # masked (empty) inside the sandbox
    mounts: dict[str, Path] = field(default_factory=dict)   # sandbox path -> host path, read-only, for harness
                                                             # files shown away from where they lie (/mldb/...)
    stdout: Path | None = None                               # log file (stdout and stderr together)
    stderr: Path | None = None                               # separate stderr file, if wanted
    cpus: float = 2
    memory_gb: float = 4
    judge: bool = False  # trusted hidden code (a judge process): a uid of its own, apart from agent code's
    audit: list[Path] | None = None  # audit file access (fileaudit.py; None: not); the run's own folders beyond
                                      # its binds, which it may look into


@dataclass
class RunResult:
    returncode: int | None   # None when killed by the harness
    timed_out: bool
    stopped: bool            # stopped by `should_stop` (e.g. the budget ran out)
    wall_s: float
    oom: bool = False         # killed for exceeding its memory limit
    output_dropped: int = 0   # bytes of output over the cap, counted but not kept (output.py)
    survivors: int = 0        # processes still running when the command ended (where the backend can tell)
    network_refused: dict = field(default_factory=dict)  # refused network attempts by kind (endwatch.py)
    probes: list[str] = field(default_factory=list)  # hidden places it reached for (fileaudit.py), where audited


@dataclass
class Launch:
    """What a backend starts for one run: the host command, fds it inherits, and how to tell an OOM kill."""
    argv: list[str]
    pass_fds: tuple[int, ...] = ()
    oom_killed: Callable[[], bool] = lambda: False
    survivors: Callable[[], int] = lambda: 0
    network_refused: Callable[[], dict] = dict
    probes: Callable[[], list[str]] = list


class Sandbox:
    """Backends implement `launch()` (or `command()`); `run()` owns limits, the output cap and the kill."""

    name = "base"
    file_size_limit: int | None = None  # bytes per file, where no disk quota can be mounted (disk.py)

    def check(self) -> None:
        """Raise InfrastructureError with a one-line reason when this sandbox cannot run here."""

    def limits(self) -> dict[str, str]:
        """How this sandbox enforces each limit on this machine (for the report)."""
        return {}

    def close(self) -> None:
        """Release what the sandbox holds for this process."""

    def command(self, spec: SandboxSpec) -> list[str]:
        raise NotImplementedError

    @contextlib.contextmanager
    def launch(self, spec: SandboxSpec) -> Iterator[Launch]:
        yield Launch(self.command(spec))

    def run(self, spec: SandboxSpec, timeout: float,
            should_stop: Callable[[], bool] | None = None, poll_s: float = 0.5) -> RunResult:
        with self.launch(spec) as launch:
            return _supervise(launch, spec, timeout, should_stop, poll_s)


def _supervise(launch: Launch, spec: SandboxSpec, timeout: float, should_stop, poll_s: float) -> RunResult:
    capture = Capture()
    ours: list[int] = []
    out = err = subprocess.DEVNULL
    if spec.stdout is not None:
        r, out = os.pipe()
        ours.append(out)
        capture.follow(read_fd(r), spec.stdout, closing=r)
        err = subprocess.STDOUT
    if spec.stderr is not None:
        r, err = os.pipe()
        ours.append(err)
        capture.follow(read_fd(r), spec.stderr, closing=r)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(launch.argv, cwd=spec.cwd, env=spec.env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, start_new_session=True, pass_fds=launch.pass_fds)
    finally:
        for fd in ours:  # the sandbox holds the write ends now; EOF comes when its last process is gone
            os.close(fd)
    try:
        timed_out, stopped = wait_until_done(lambda: _wait(proc, poll_s), start, timeout, should_stop)
    finally:
        kill_group(proc)
        dropped = capture.close()
    code = None if (timed_out or stopped) else proc.returncode
    return RunResult(code, timed_out, stopped, time.monotonic() - start, oom=launch.oom_killed(),
                     output_dropped=dropped, survivors=launch.survivors(),
                     network_refused=launch.network_refused(), probes=launch.probes())


def wait_until_done(wait_once: Callable[[], bool], start: float, timeout: float,
                    should_stop: Callable[[], bool] | None) -> tuple[bool, bool]:
    """Call `wait_once` (True once the command has ended) until it ends, `timeout` s after `start` pass or
    `should_stop()` holds; returns (timed_out, stopped)."""
    while not wait_once():
        if time.monotonic() - start > timeout:
            return True, False
        if should_stop is not None and should_stop():
            return False, True
    return False, False


def _wait(proc: subprocess.Popen, seconds: float) -> bool:
    """Wait up to `seconds` for the process to end; wakes as soon as it does (pidfd), True once it has."""
    try:
        fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # no pidfd (old kernel) or already reaped
        fd = None
    if fd is not None:
        try:
            select.select([fd], [], [], seconds)
        finally:
            os.close(fd)
        return proc.poll() is not None
    try:
        proc.wait(timeout=seconds)
        return True
    except subprocess.TimeoutExpired:
        return False


def kill_group(proc: subprocess.Popen, grace_s: float = 3.0) -> None:
    """End the whole process group: SIGTERM, a grace period, then SIGKILL; reap the leader."""
    for sig, wait in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        if sig == signal.SIGTERM:
            try:  # the leader exited; children may linger in the group
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return
