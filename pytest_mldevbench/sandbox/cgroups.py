"""Memory and process limits of one sandbox run: a cgroup per run, v2 where usable, else v1, else rlimits.

The harness makes the cgroup(s) and opens their `cgroup.procs`; the sandbox's init (init.py) writes itself
into them before it runs anything, so the command and all it starts are counted. v2 is used where this
process's cgroup can give a child the memory and pids controllers; v1 where the memory and pids hierarchies
are mounted and writable (e.g. a cgroup v1 host, or v2 with only hugetlb); otherwise the init sets
RLIMIT_DATA (per process, so weaker) and RLIMIT_NPROC on the sandbox's own uid. `kind` says which, for
the report. A cgroup run over its memory ends with the kernel's OOM killer; `oom_killed()` tells.
"""
from __future__ import annotations

import itertools
import os
import signal
import time
from pathlib import Path

from . import mounts

PIDS_LIMIT = int(os.environ.get("MLDB_PIDS_LIMIT") or os.environ.get("MLDB_DOCKER_PIDS") or 4096)
_counter = itertools.count(1)


def _own_cgroups() -> dict[str, str]:
    """controller ('' for v2) -> this process's cgroup path."""
    out = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for c in controllers.split(",") if controllers else [""]:
                out[c] = path
    return out


def _cgroup_mounts() -> dict[str, Path]:
    """'' -> the cgroup2 mount; 'memory'/'pids' -> their v1 mounts."""
    out: dict[str, Path] = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fields = right.split()
            point = Path(mounts._unescape(left.split()[4]))
            if fields[0] == "cgroup2":
                out.setdefault("", point)
            elif fields[0] == "cgroup" and len(fields) > 2:
                for opt in fields[2].split(","):
                    if opt in ("memory", "pids"):
                        out.setdefault(opt, point)
    return out


def _write(path: Path, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


class RunCgroup:
    """The cgroup directories of one run (one for v2, memory and pids for v1)."""

    def __init__(self, dirs: list[Path], version: int):
        self.dirs, self.version = dirs, version
        self.fds = [os.open(d / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC) for d in dirs]

    def pids(self) -> list[int]:
        """The processes in the run's cgroup now."""
        try:
            return [int(p) for p in (self.dirs[0] / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return []

    def oom_killed(self) -> bool:
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        try:
            text = (self.dirs[0] / name).read_text()
        except OSError:
            return False
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value) > 0
        return False

    def close(self) -> None:
        for fd in self.fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self.fds = []
        for d in self.dirs:
            _empty_and_remove(d)


def _remove_stale(parent: Path) -> None:
    """Run cgroups left by a pytest process that died (mldb-<pid>-<n>): they would keep `parent` busy."""
    for d in parent.glob("mldb-*-*"):
        pid = d.name.split("-")[1]
        if not pid.isdigit() or Path(f"/proc/{pid}").exists():
            continue
        _empty_and_remove(d)


def _empty_and_remove(d: Path) -> None:
    """Kill what is left in a run's cgroup and remove it (the kernel ends a dead PID namespace's processes
    asynchronously, so a few tries)."""
    for _ in range(50):
        try:
            pids = [int(p) for p in (d / "cgroup.procs").read_text().split()]
        except OSError:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            d.rmdir()
            return
        except OSError:
            time.sleep(0.02)


class Cgroups:
    """What this machine offers; `make(memory_bytes)` gives a RunCgroup, or None (rlimits)."""

    def __init__(self):
        self.version, self.parents = 0, []
        self.kind = "rlimit (no usable cgroup)"
        if os.geteuid() != 0 and not os.environ.get("MLDB_CGROUP_TRY"):
            self.kind = "rlimit (cgroups need root)"
            return
        try:
            own, found = _own_cgroups(), _cgroup_mounts()
        except OSError:
            return
        if "" in found and "" in own and self._try_v2(found[""] / own[""].lstrip("/")):
            return
        if "memory" in found and "pids" in found and "memory" in own and "pids" in own:
            parents = [found["memory"] / own["memory"].lstrip("/"), found["pids"] / own["pids"].lstrip("/")]
            if all(self._probe(p, ("memory.limit_in_bytes",) if i == 0 else ("pids.max",))
                   for i, p in enumerate(parents)):
                self.version, self.parents, self.kind = 1, parents, "cgroup-v1"
        for parent in self.parents:
            _remove_stale(parent)

    def _try_v2(self, parent: Path) -> bool:
        try:
            enabled = (parent / "cgroup.subtree_control").read_text().split()
            if not {"memory", "pids"} <= set(enabled):
                _write(parent / "cgroup.subtree_control", "+memory +pids")
        except OSError:
            return False
        if self._probe(parent, ("memory.max", "pids.max")):
            self.version, self.parents, self.kind = 2, [parent], "cgroup-v2"
            _remove_stale(parent)
            return True
        return False

    @staticmethod
    def _probe(parent: Path, files: tuple[str, ...]) -> bool:
        test = parent / f"mldb-probe-{os.getpid()}"
        try:
            test.mkdir()
        except OSError:
            return False
        try:
            return all((test / f).exists() for f in files)
        finally:
            try:
                test.rmdir()
            except OSError:
                pass

    def make(self, memory_bytes: int) -> RunCgroup | None:
        """A fresh cgroup for one run (memory.max = swap-less `memory_bytes`, pids.max = PIDS_LIMIT)."""
        if not self.version:
            return None
        name = f"mldb-{os.getpid()}-{next(_counter)}"
        dirs = [p / name for p in self.parents]
        try:
            for d in dirs:
                d.mkdir()
            if self.version == 2:
                _write(dirs[0] / "memory.max", str(memory_bytes))
                if (dirs[0] / "memory.swap.max").exists():
                    _write(dirs[0] / "memory.swap.max", "0")
                _write(dirs[0] / "pids.max", str(PIDS_LIMIT))
            else:
                _write(dirs[0] / "memory.limit_in_bytes", str(memory_bytes))
                try:  # no swap either, where swap is accounted
                    _write(dirs[0] / "memory.memsw.limit_in_bytes", str(memory_bytes))
                except OSError:
                    pass
                _write(dirs[1] / "pids.max", str(PIDS_LIMIT))
            return RunCgroup(dirs, self.version)
        except OSError:
            for d in dirs:
                try:
                    d.rmdir()
                except OSError:
                    pass
            raise
