"""`observe`: run a task's probes on the agent's code in the sandbox and collect their outputs as data.

The probes (the task's hidden `probes.py`) run in ONE untrusted process, one after the other; if that process
dies or hangs in a probe (segfault, `os._exit`, an endless loop), the harness notes it for that probe and
starts a fresh process at the next one, so one crash hides nothing else. The outputs are then copied, as
bounded regular files only, into a folder the judge reads; nothing here reads their content.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROBE_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")
SUFFIXES = (".json", ".pt", ".error.json")
FILE_LIMIT = 256 * 2**20     # bytes of one probe's output
TOTAL_LIMIT = 1024 * 2**20   # bytes of all outputs of one observe


@dataclass(frozen=True)
class Inputs:
    """Grading-time inputs the judge drew (a folder with inputs.json or inputs.pt) and its probe plan; `session`:
    the judge process that drew them, waiting to judge (judge_session.py), where there is one."""
    dir: Path
    plan: list[str]
    session: Any = field(default=None, compare=False, repr=False)


@dataclass
class Observations:
    """The laundered outputs of one `observe` (the folder the judge reads) and which probes failed, why."""
    dir: Path
    plan: list[str]
    failed: dict[str, str] = field(default_factory=dict)


def check_plan(plan) -> list[str]:
    if not isinstance(plan, list) or not plan or not all(isinstance(p, str) and PROBE_NAME.match(p) for p in plan) \
            or len(set(plan)) != len(plan):
        raise ValueError(f"a probe plan is a list of distinct names matching {PROBE_NAME.pattern}, got {plan!r}")
    return plan


def output_of(folder: Path, name: str) -> Path | None:
    for suffix in SUFFIXES:
        path = folder / (name + suffix)
        if os.path.lexists(path):
            return path
    return None


def first_missing(folder: Path, plan: list[str], start: int) -> int | None:
    return next((i for i in range(start, len(plan)) if output_of(folder, plan[i]) is None), None)


class Watchdog:
    """`should_stop` for the sandbox: stop when no probe has finished for `seconds`."""

    def __init__(self, folder: Path, plan: list[str], seconds: float):
        self.folder, self.plan, self.seconds = folder, plan, seconds
        self.done, self.since, self.fired = -1, time.monotonic(), False

    def __call__(self) -> bool:
        done = sum(output_of(self.folder, name) is not None for name in self.plan)
        if done != self.done:
            self.done, self.since = done, time.monotonic()
        self.fired = time.monotonic() - self.since > self.seconds
        return self.fired


def launder(out: Path, plan: list[str], crashed: dict[str, str], dest: Path) -> dict[str, str]:
    """Copy each probe's output (a regular file within the limits) from the untrusted `out` into `dest`; the
    harness's own notes (`crashed`) win over anything there. Returns {probe: why it has no output}."""
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise FileExistsError(f"{dest} is not empty")
    failed, total = {}, 0
    for name in plan:
        if name in crashed:
            failed[name] = crashed[name]
            (dest / f"{name}.error.json").write_text(json.dumps({"error": crashed[name]}))
            continue
        src = output_of(out, name)
        try:
            st = os.lstat(src) if src is not None else None
        except OSError:
            st = None
        why = None
        if st is None:
            why = "no output"
        elif not stat.S_ISREG(st.st_mode):
            why = "its output is not a regular file"
        elif st.st_size > FILE_LIMIT or total + st.st_size > TOTAL_LIMIT:
            why = f"its output is too large ({st.st_size} bytes)"
        if why is not None:
            failed[name] = why
            (dest / f"{name}.error.json").write_text(json.dumps({"error": why}))
            continue
        total += st.st_size
        shutil.copyfile(src, dest / src.name, follow_symlinks=False)
        if src.name.endswith(".error.json"):
            failed[name] = "raised an exception"
    return failed
