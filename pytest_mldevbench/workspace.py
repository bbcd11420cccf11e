"""Workspace files: private copies, protected-file hashes, snapshots and the grading layout."""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
from pathlib import Path

from .errors import GradingError

# A snapshot larger than this is not graded (a full-disk or huge-file trick fails, it does not hang).
MAX_SNAPSHOT_BYTES = 20 * 2**30
MAX_SNAPSHOT_FILES = 200_000


def copy_tree(src: Path, dst: Path) -> None:
    """Copy `src` into a new directory `dst` (symlinks stay links; sockets and fifos are skipped)."""
    dst.mkdir(parents=True, exist_ok=False)
    if src.is_dir():
        shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True, ignore=_special_files)


def _special_files(directory: str, names: list[str]) -> list[str]:
    skipped = []
    for name in names:
        try:
            mode = os.lstat(os.path.join(directory, name)).st_mode
        except OSError:
            skipped.append(name)
            continue
        if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            skipped.append(name)
    return skipped


def file_digest(path: Path) -> str:
    """SHA-256 of a file with CRLF normalised to LF (an editor's line endings are not a change)."""
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def match(root: Path, patterns: tuple[str, ...]) -> list[Path]:
    """Regular files (not links) under `root` matching any glob, as relative paths, sorted."""
    found: set[Path] = set()
    for pattern in patterns:
        for path in root.glob(pattern):
            if path.is_file() and not path.is_symlink():
                found.add(path.relative_to(root))
    return sorted(found)


def hash_protected(root: Path, patterns: tuple[str, ...]) -> dict[str, str]:
    return {str(rel): file_digest(root / rel) for rel in match(root, patterns)}


def verify_protected(root: Path, expected: dict[str, str]) -> list[str]:
    """Names of protected files that are missing, replaced by a link, or changed."""
    bad = []
    for rel, digest in sorted(expected.items()):
        path = root / rel
        if path.is_symlink() or not path.is_file() or file_digest(path) != digest:
            bad.append(rel)
    return bad


def snapshot(workspace: Path, dst: Path) -> None:
    """Copy the stopped workspace into `dst`, refusing absurd sizes before copying."""
    total, count = 0, 0
    for dirpath, dirnames, filenames in os.walk(workspace):
        count += len(filenames) + len(dirnames)
        for name in filenames:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
        if total > MAX_SNAPSHOT_BYTES or count > MAX_SNAPSHOT_FILES:
            raise GradingError(f"workspace too large to grade ({total} bytes, {count} entries)")
    copy_tree(workspace, dst)


def assemble(pristine: Path, snap: Path, dst: Path, editable: tuple[str, ...], artifacts: tuple[str, ...]) -> None:
    """Grading layout for locked tasks: the pristine workspace plus editable files and artifacts."""
    copy_tree(pristine, dst)
    for rel in match(snap, editable + artifacts):
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.exists():
            target.unlink()
        shutil.copy2(snap / rel, target)
    for rel in match(pristine, editable):
        if not (snap / rel).is_file() or (snap / rel).is_symlink():
            (dst / rel).unlink()  # the agent removed or replaced an editable file


def inside(root: Path, path: Path) -> bool:
    """True when `path` resolves (links followed) to a location inside `root`."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True
