"""Who a sandbox's processes are: an unprivileged uid of their own, and the /etc files that name it.

When the harness runs as root, each pytest process takes a uid of its own from a range far from users'
(MLDB_SANDBOX_UID_BASE, default 1900000000, 1000 slots), held for the process's life by a lock file, so
two trials that run at the same time — in this session or another — never share a uid: they cannot signal
each other, share a keyring or count against each other's process limit. The trial's writable folders are
given to that uid before each run. When the harness is not root, its own uid is the sandbox's (inside a
user namespace) and nothing is handed over.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import InfrastructureError

UID_BASE = int(os.environ.get("MLDB_SANDBOX_UID_BASE") or 1_900_000_000)
SLOTS = 1000
NAME = "mldb"
HOSTNAME = "mldb-sandbox"


class SandboxUser:
    def __init__(self):
        self._lock = None
        if os.geteuid() != 0:
            self.uid, self.gid, self.dedicated = os.getuid(), os.getgid(), False
            return
        self.uid = self.gid = self._take_slot()
        self.dedicated = True

    def _take_slot(self) -> int:
        folder = Path(tempfile.gettempdir()) / "mldevbench-uids"
        folder.mkdir(mode=0o755, exist_ok=True)
        for uid in range(UID_BASE + 1, UID_BASE + SLOTS + 1):
            lock = open(folder / f"{uid}.lock", "w")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                lock.close()
                continue
            self._lock = lock  # held until this process ends
            return uid
        raise InfrastructureError(f"no free sandbox uid in {UID_BASE + 1}..{UID_BASE + SLOTS} "
                                  f"({SLOTS} pytest processes hold them)")

    def give(self, paths) -> None:
        """Make `paths` (and everything below) the sandbox user's, so it can write there (root harness only).
        Links are changed themselves, never followed."""
        if not self.dedicated:
            return
        for root in paths:
            root = Path(root)
            if not root.exists():
                continue
            os.chown(root, self.uid, self.gid, follow_symlinks=False)
            for dirpath, dirnames, filenames in os.walk(root):
                for name in dirnames + filenames:
                    try:
                        os.chown(os.path.join(dirpath, name), self.uid, self.gid, follow_symlinks=False)
                    except OSError:
                        pass

    def etc_files(self) -> dict[str, str]:
        """passwd, group, hosts, hostname and nsswitch.conf of a sandbox: its user, loopback, no DNS."""
        return {
            "passwd": (f"root:x:0:0:root:/root:/usr/sbin/nologin\n"
                       f"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
                       f"{NAME}:x:{self.uid}:{self.gid}:mldevbench sandbox:/tmp:/bin/bash\n"),
            "group": f"root:x:0:\nnogroup:x:65534:\n{NAME}:x:{self.gid}:\n",
            "hosts": f"127.0.0.1\tlocalhost {HOSTNAME}\n::1\tlocalhost ip6-localhost ip6-loopback\n",
            "hostname": f"{HOSTNAME}\n",
            "nsswitch.conf": "".join(f"{db}: files\n" for db in ("passwd", "group", "shadow", "hosts", "networks",
                                                                  "protocols", "services", "ethers", "rpc")),
        }

    def write_etc(self, folder: Path) -> None:
        for name, text in self.etc_files().items():
            (folder / name).write_text(text)
            (folder / name).chmod(0o644)

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def remove(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
