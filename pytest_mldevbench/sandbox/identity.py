"""Who a sandbox's processes are: an unprivileged uid of their own, and the /etc files that name it.

When the harness runs as root, each pytest process takes two uids from a range far from users'
(MLDB_SANDBOX_UID_BASE, default 1900000000, 1000 slots), held for the process's life by lock files: one for
every run of agent code (the agent's run, graded runs) and one for judge processes (trusted hidden code). So
two trials that run at the same time — in this session or another — never share a uid: they cannot signal
each other, share a keyring or count against each other's process limit; and nothing a run of agent code
can reach is a judge's to write, nor the other way round (a judge's folders are given to the judge's uid).
A run's writable folders are given to its uid before it starts. When the harness is not root, its own uid
is the sandbox's (inside a user namespace) for both, and nothing is handed over.
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
UID_KIND = "dedicated, one per pytest process for agent code and one for judges"  # what the report says
NAME = "mldb"
HOSTNAME = "mldb-sandbox"


class SandboxUser:
    def __init__(self, name: str = NAME):
        self.name = name
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

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None


class SandboxUsers:
    """The two users of this process's sandbox: `agent` (whatever runs agent code) and `judge`."""

    def __init__(self):
        self.agent = SandboxUser(NAME)
        self.judge = SandboxUser(f"{NAME}-judge")

    def of(self, judge: bool) -> SandboxUser:
        return self.judge if judge else self.agent

    @property
    def dedicated(self) -> bool:
        return self.agent.dedicated

    def etc_files(self) -> dict[str, str]:
        """passwd, group, hosts, hostname and nsswitch.conf of a sandbox: its users, loopback, no DNS."""
        users = [self.agent] if not self.dedicated else [self.agent, self.judge]
        return {
            "passwd": ("root:x:0:0:root:/root:/usr/sbin/nologin\n"
                       "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
                       + "".join(f"{u.name}:x:{u.uid}:{u.gid}:mldevbench sandbox:/tmp:/bin/bash\n" for u in users)),
            "group": "root:x:0:\nnogroup:x:65534:\n" + "".join(f"{u.name}:x:{u.gid}:\n" for u in users),
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
        self.agent.close()
        self.judge.close()


def remove(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
