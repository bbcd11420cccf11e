"""Bind mounts and the mount table, through the system calls (a trial makes a few; each must cost little)."""
from __future__ import annotations

import ctypes
import os
from pathlib import Path

MS_NOSUID, MS_NODEV, MS_BIND, MNT_DETACH = 0x2, 0x4, 0x1000, 2
_libc = ctypes.CDLL(None, use_errno=True)


def bind(source: Path, target: Path) -> None:
    if _libc.mount(os.fsencode(source), os.fsencode(target), None, MS_BIND, None) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"bind {source} on {target}: {os.strerror(err)}")


def tmpfs(target: Path, size: int, mode: int = 0o755) -> None:
    """A tmpfs of `size` bytes on `target` (nosuid, nodev)."""
    options = f"size={size},mode={mode:o}".encode()
    if _libc.mount(b"tmpfs", os.fsencode(target), b"tmpfs", MS_NOSUID | MS_NODEV, options) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"tmpfs on {target}: {os.strerror(err)}")


def unmount(target: Path) -> None:
    """Unmount `target`; lazily when something still holds it (it then goes once released)."""
    path = os.fsencode(target)
    if _libc.umount2(path, 0) != 0 and _libc.umount2(path, MNT_DETACH) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unmount {target}: {os.strerror(err)}")


def _unescape(field: str) -> str:
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def mount_points() -> list[Path]:
    with open("/proc/self/mountinfo") as f:
        return [Path(_unescape(line.split()[4])) for line in f]


def mounts_under(*roots: Path) -> list[Path]:
    """Mount points at or below any of `roots`, deepest first (the order to unmount them in)."""
    roots = [Path(os.path.abspath(r)) for r in roots]
    found = {p for p in mount_points() if any(p == r or r in p.parents for r in roots)}
    return sorted(found, key=lambda p: len(p.parts), reverse=True)


def unmount_under(*roots: Path) -> None:
    """Unmount everything at or below `roots` (a place mounted over twice takes two rounds)."""
    for _ in range(8):
        points = mounts_under(*roots)
        if not points:
            return
        for point in points:
            try:
                unmount(point)
            except OSError:
                pass
