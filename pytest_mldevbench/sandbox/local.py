"""Local sandbox: bubblewrap with a private PID namespace on this machine.

The agent sees the system directories read-only (not the homes, not /work or /srv, not other checkouts of
this benchmark), the paths the run needs re-exposed read-only (interpreters, environments, agent code),
its workspace and home writable, and an empty directory wherever grading material could live inside
what it sees (the output folder, other trials, the asset cache). Its processes live in their own PID
namespace: when the sandbox ends, the kernel ends every process in it, so nothing the agent started can
write after the stop.
"""
from __future__ import annotations

import glob
import shutil
from pathlib import Path

from ..errors import InfrastructureError
from .base import Sandbox, SandboxSpec


# What an agent sees of the machine (read-only). /run is left out: it may hold the Docker socket.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/var", "/sys")
MASK_BYTES = 16 * 2**20  # an empty directory laid over a hidden place


class LocalSandbox(Sandbox):
    name = "local"

    def check(self) -> None:
        if shutil.which("bwrap") is None:
            raise InfrastructureError("the local sandbox needs bubblewrap: install it (apt-get install bubblewrap)")

    def command(self, spec: SandboxSpec) -> list[str]:
        argv = ["bwrap", "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--new-session"]
        for top in SYSTEM_DIRS:
            if Path(top).exists():
                argv += ["--ro-bind", top, top]
        # tmpfs lives in RAM: /tmp and /dev/shm get the task's memory budget, the masks below a token size
        # (they only hold the mount points of what is re-exposed), so writing there cannot eat the host's RAM
        tmp_size = str(int(max(spec.memory_gb, 1) * 2**30))
        argv += ["--dev", "/dev", "--proc", "/proc", "--size", tmp_size, "--tmpfs", "/tmp",
                 "--size", tmp_size, "--tmpfs", "/dev/shm"]
        if spec.env.get("CUDA_VISIBLE_DEVICES"):  # a GPU task: the NVIDIA device nodes, nothing else of /dev
            for node in sorted(glob.glob("/dev/nvidia*")) + sorted(glob.glob("/dev/dri/*")):
                argv += ["--dev-bind", node, node]
        for path in _outermost(p for p in spec.hidden_paths if p.is_dir()):
            argv += ["--size", str(MASK_BYTES), "--tmpfs", str(path)]
        for path in _unique(spec.ro_paths):
            if path.exists():
                argv += ["--ro-bind", str(path), str(path)]
        for path in _unique(spec.rw_paths):
            argv += ["--bind", str(path), str(path)]
        argv += ["--chdir", str(spec.cwd), "--"]
        return argv + list(spec.argv)


def _unique(paths) -> list[Path]:
    seen, out = set(), []
    for p in paths:
        p = Path(p).absolute()
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def _outermost(paths) -> list[Path]:
    """Drop paths that lie inside another listed path (one mask covers them)."""
    paths = sorted(_unique(paths), key=lambda p: len(p.parts))
    kept: list[Path] = []
    for p in paths:
        if not any(p == k or k in p.parents for k in kept):
            kept.append(p)
    return kept
