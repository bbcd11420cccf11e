"""The sandbox interface: run one command with limits, then make sure nothing it started survives."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


@dataclass
class SandboxSpec:
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    rw_paths: list[Path] = field(default_factory=list)      # the only writable places
    ro_paths: list[Path] = field(default_factory=list)      # re-exposed read-only inside hidden places
    hidden_paths: list[Path] = field(default_factory=list)  # masked (empty) inside the sandbox
    stdout: Path | None = None                               # log file (stdout and stderr together)
    stderr: Path | None = None                               # separate stderr file, if wanted
    cpus: float = 2
    memory_gb: float = 4


@dataclass
class RunResult:
    returncode: int | None   # None when killed by the harness
    timed_out: bool
    stopped: bool            # stopped by `should_stop` (e.g. the budget ran out)
    wall_s: float
    oom: bool = False         # killed for exceeding its memory limit (docker sandbox)


class Sandbox:
    """Backends implement `command()`; `run()` owns limits and the kill."""

    name = "base"

    def check(self) -> None:
        """Raise InfrastructureError with a one-line reason when this sandbox cannot run here."""

    def command(self, spec: SandboxSpec) -> list[str]:
        raise NotImplementedError

    def run(self, spec: SandboxSpec, timeout: float,
            should_stop: Callable[[], bool] | None = None, poll_s: float = 0.5) -> RunResult:
        argv = self.command(spec)
        out = open(spec.stdout, "ab") if spec.stdout else subprocess.DEVNULL
        err = open(spec.stderr, "ab") if spec.stderr else (subprocess.STDOUT if spec.stdout else subprocess.DEVNULL)
        start = time.monotonic()
        try:
            proc = subprocess.Popen(argv, cwd=spec.cwd, env=spec.env, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=err, start_new_session=True)
        finally:
            for f in (out, err):
                if hasattr(f, "close"):
                    f.close()
        timed_out = stopped = False
        try:
            while True:
                try:
                    proc.wait(timeout=poll_s)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if time.monotonic() - start > timeout:
                    timed_out = True
                    break
                if should_stop is not None and should_stop():
                    stopped = True
                    break
        finally:
            kill_group(proc)
        code = None if (timed_out or stopped) else proc.returncode
        return RunResult(code, timed_out, stopped, time.monotonic() - start)


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
