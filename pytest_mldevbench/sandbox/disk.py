"""Per-trial disk quotas: a trial's folders live on loop-mounted ext4 images, preallocated.

Each pytest process (the controller with -n0, else each xdist worker; it runs one trial at a time) makes
two images once, reserved with fallocate so that nothing else filling the host disk can take their space:
- the agent disk, `MLDB_DISK_GB` (default 2 in smoke, 10 in full): the trial's scratch folder (workspace,
  home, staged solution) and its artifact folder `<out>/<trial>/agent` — everything an agent can write
  but /tmp (in RAM, within its memory limit) and its output (capped by the sandbox);
- the grading disk, twice that plus 1 GiB: the snapshot, the grading folder and the graded runs' folders
  (a snapshot is at most the workspace, the grading folder at most the snapshot plus the case's files).
A trial's folders are bind-mounted at their usual paths from a folder of each image, so every path stays
what it was. An agent that fills its disk gets ENOSPC — a neighbour never does — and the trial fails with
reason `disk_limit`. When the trial ends the binds go, its artifacts are copied into the output folder
(with --mldb-keep its scratch folder too) and its folders on the images are deleted.

Where no loop mount can be made (the harness is not root, no loop device, the scratch folder is in RAM)
trials use plain folders as before and the report says `disk: none (<why>)`; the sandbox then limits
single files (RLIMIT_FSIZE) to the agent disk's size. Images of a process that died are found by their
lock file and removed by the next process that makes its own.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

from ..errors import InfrastructureError
from ..workspace import remove_tree
from . import mounts

GIB = 2**30
AGENT_GB = {"smoke": 2.0, "full": 10.0}  # smoke workspaces and assets are MBs; the suite needs < 0.2 GiB
GRADING_EXTRA = GIB
NEAR_FULL_BYTES = 8 * 2**20   # less free than this after the agent ran: it hit its quota
NEAR_FULL_INODES = 64


def agent_disk_bytes(profile: str) -> int:
    raw = os.environ.get("MLDB_DISK_GB")
    if not raw:
        return int(AGENT_GB.get(profile, AGENT_GB["smoke"]) * GIB)
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise InfrastructureError(f"MLDB_DISK_GB must be a positive number of GB, got {raw!r}")
    return int(value * GIB)


class Volume:
    """One preallocated ext4 image, loop-mounted (nosuid, nodev; no journal: its content dies with the run)."""

    def __init__(self, image: Path, mount_point: Path, size: int):
        self.image, self.mount_point, self.size = image, mount_point, size
        _discard(image, mount_point)  # a leftover of a process that had this pid
        fd = os.open(image, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            os.posix_fallocate(fd, 0, size)
        except OSError as exc:
            os.close(fd)
            image.unlink()
            raise InfrastructureError(
                f"cannot reserve {size / GIB:.1f} GiB for a trial disk in {image.parent}: {exc.strerror} "
                "(free space there, or set MLDB_DISK_GB lower)") from None
        os.close(fd)
        _run(["mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-E", "lazy_itable_init=1,nodiscard", "-m", "0",
              str(image)])
        mount_point.mkdir(exist_ok=True)
        _run(["mount", "-o", "loop,noinit_itable,nosuid,nodev", str(image), str(mount_point)])
        shutil.rmtree(mount_point / "lost+found", ignore_errors=True)

    def free(self) -> tuple[int, int]:
        st = os.statvfs(self.mount_point)
        return st.f_bavail * st.f_frsize, st.f_favail

    def close(self) -> None:
        _discard(self.image, self.mount_point)


class TrialDisk:
    """One trial's folders on the disks (or plain folders when `disks` is None)."""

    def __init__(self, disks: "TrialDisks | None", key: str, out: Path, scratch: Path, grade: Path, agent: Path):
        self.disks, self.key = disks, key
        self.out, self.scratch, self.grade, self.agent = out, scratch, grade, agent
        mounts.unmount_under(out, scratch)  # binds left by a run that died
        for path in (out, scratch):
            remove_tree(path)
        out.mkdir(parents=True)
        agent.mkdir(parents=True)
        scratch.mkdir(parents=True)
        if disks is None:
            return
        mine = disks.agent.mount_point / key
        (mine / "scratch").mkdir(parents=True)
        (mine / "agent").mkdir()
        (disks.grading.mount_point / key).mkdir()
        mounts.bind(mine / "scratch", scratch)
        grade.mkdir(parents=True)
        mounts.bind(disks.grading.mount_point / key, grade)
        mounts.bind(mine / "agent", agent)

    def exhausted(self) -> bool:
        """The agent's disk is (nearly) full: its writes were refused."""
        if self.disks is None:
            return False
        space, inodes = self.disks.agent.free()
        return space < NEAR_FULL_BYTES or inodes < NEAR_FULL_INODES

    def detach(self, keep: bool) -> None:
        """Unbind; copy the artifacts (and with `keep` the scratch folder) to the host; free the disks."""
        disks = self.disks
        if disks is None:
            return
        self.disks = None
        disks.attached.discard(self)
        mounts.unmount_under(self.agent, self.scratch)
        mine, grading = disks.agent.mount_point / self.key, disks.grading.mount_point / self.key
        try:
            _copy_into(mine / "agent", self.agent)
            if keep:
                _copy_into(mine / "scratch", self.scratch)
                self.grade.mkdir(parents=True, exist_ok=True)
                _copy_into(grading, self.grade)
        finally:
            remove_tree(mine)
            remove_tree(grading)


class TrialDisks:
    """The two images of this process, made on first use; `kind` says what the report shows."""

    def __init__(self, root: Path, profile: str):
        self.root = root
        self.attached: set[TrialDisk] = set()
        self._count = 0
        self.agent = self.grading = None
        size = agent_disk_bytes(profile)
        why = _cannot_mount(root)
        if why is not None:
            self.kind, self.fsize = f"none ({why})", size
            return
        root.mkdir(parents=True, exist_ok=True)
        _remove_stale(root)
        pid = os.getpid()
        self._lock = open(root / f"{pid}.lock", "w")
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        try:
            self.agent = Volume(root / f"{pid}-agent.img", root / f"{pid}-agent", size)
            self.grading = Volume(root / f"{pid}-grading.img", root / f"{pid}-grading", 2 * size + GRADING_EXTRA)
        except BaseException:
            self.close()
            raise
        self.kind, self.fsize = (f"loop-ext4 {size / GIB:g} GiB per trial (workspace, home, artifacts), "
                                 f"grading {(2 * size + GRADING_EXTRA) / GIB:g} GiB"), None

    def attach(self, out: Path, scratch: Path, grade: Path, agent: Path) -> TrialDisk:
        self._count += 1
        disk = TrialDisk(self if self.agent is not None else None, f"t{self._count}", out, scratch, grade, agent)
        if disk.disks is not None:
            self.attached.add(disk)
        return disk

    def close(self) -> None:
        for disk in list(self.attached):
            try:
                disk.detach(keep=False)
            except OSError:
                pass
        for volume in (self.grading, self.agent):
            if volume is not None:
                volume.close()
        self.agent = self.grading = None
        lock = getattr(self, "_lock", None)
        if lock is not None:
            Path(lock.name).unlink(missing_ok=True)
            lock.close()
            self._lock = None


def _cannot_mount(root: Path) -> str | None:
    if os.geteuid() != 0:
        return "loop mounts need root; the harness runs as uid %d" % os.geteuid()
    for tool in ("mkfs.ext4", "mount"):
        if shutil.which(tool) is None:
            return f"{tool} not found"
    if not Path("/dev/loop-control").exists():
        return "no /dev/loop-control"
    if _fs_type(root) in ("tmpfs", "ramfs"):
        return f"the scratch folder {root.parent} is in RAM"
    return None


def _fs_type(path: Path) -> str:
    path = Path(os.path.abspath(path))
    best, kind = -1, ""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            point = Path(mounts._unescape(left.split()[4]))
            if (point == path or point in path.parents) and len(point.parts) > best:
                best, kind = len(point.parts), right.split()[0]
    return kind


def _remove_stale(root: Path) -> None:
    """Images of processes that died: their lock is free. Unmount whatever still uses them, delete them."""
    for lock_path in root.glob("*.lock"):
        with open(lock_path, "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # alive
            pid = lock_path.stem
            images = {str(root / f"{pid}-{n}.img") for n in ("agent", "grading")}
            for point in _mounts_of_images(images):
                try:
                    mounts.unmount(point)
                except OSError:
                    pass
            for name in ("agent", "grading"):
                _discard(root / f"{pid}-{name}.img", root / f"{pid}-{name}")
            lock_path.unlink(missing_ok=True)


def _discard(image: Path, mount_point: Path) -> None:
    """Unmount an image (its loop device goes with the last mount) and delete it."""
    mounts.unmount_under(mount_point)
    for path in (mount_point, image):
        try:
            path.rmdir() if path.is_dir() else path.unlink()
        except OSError:
            pass


def _mounts_of_images(images: set[str]) -> list[Path]:
    """Mount points (binds included) whose loop device is backed by one of `images`."""
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            source = right.split()[1] if len(right.split()) > 1 else ""
            if not source.startswith("/dev/loop"):
                continue
            try:
                backing = Path(f"/sys/block/{Path(source).name}/loop/backing_file").read_text().strip()
            except OSError:
                continue
            if backing.removesuffix(" (deleted)") in images:
                found.append(Path(mounts._unescape(left.split()[4])))
    return sorted(found, key=lambda p: len(p.parts), reverse=True)


def _copy_into(src: Path, dst: Path) -> None:
    """Copy the content of `src` into the folder `dst` (links as links; any depth: GNU cp walks with fts).
    What the agent left that cannot be copied (a socket, say) is skipped; a full or failing host disk is
    the harness's error."""
    if not src.is_dir():
        return
    proc = subprocess.run(["cp", "-a", "--no-preserve=ownership", "--no-dereference", "--sparse=auto",
                           f"{src}/.", f"{dst}/"], capture_output=True, text=True)
    broken = [ln for ln in proc.stderr.splitlines() if "No space left" in ln or "Input/output error" in ln]
    if broken:
        raise OSError(f"copying {src} to {dst} failed: {broken[-1]}")


def _run(argv: list[str]) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise InfrastructureError(f"{' '.join(argv[:1])} failed for the trial disks: "
                                  f"{(proc.stderr.strip().splitlines() or ['?'])[-1]}")
