"""Workspace files: private copies, protected-file hashes, snapshots and the grading layout."""
from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import subprocess
from pathlib import Path


# Limits of a snapshot. A workspace over them is not graded: the snapshot stays empty, so the trial fails
# (a full-disk, huge-file, inode or deep-tree trick fails; it neither hangs nor breaks the harness).
# Sizes are apparent sizes (a sparse file counts at its full length). MLDB_MAX_SNAPSHOT_GB overrides the size.
MAX_SNAPSHOT_BYTES = int(float(os.environ.get("MLDB_MAX_SNAPSHOT_GB") or 10) * 2**30)
MAX_SNAPSHOT_FILES = 200_000
MAX_SNAPSHOT_DEPTH = 64        # folder levels below the workspace
MAX_SNAPSHOT_PATH = 1024       # bytes of a path relative to the workspace
# errors that say the copy itself failed (full or broken disk), not that the agent left something odd
COPY_FAILURES = (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.ENOMEM, errno.EFBIG)


class SnapshotError(OSError):
    """The snapshot could not be completed; grading a partial copy would misjudge the agent."""


def copy_tree(src: Path, dst: Path) -> None:
    """Copy `src` into a new directory `dst` (symlinks stay links; sockets and fifos are skipped; holes of
    sparse files stay holes)."""
    dst.mkdir(parents=True, exist_ok=False)
    if src.is_dir():
        shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True, ignore=_special_files,
                        copy_function=copy_file)


def copy_file(src, dst) -> None:
    """shutil.copy2, except that a sparse file is copied sparse (its holes cost no disk)."""
    st = os.lstat(src)
    if not stat.S_ISREG(st.st_mode) or st.st_blocks * 512 >= st.st_size:
        shutil.copy2(src, dst)
        return
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        fd, pos = fin.fileno(), 0
        while pos < st.st_size:
            try:
                start = os.lseek(fd, pos, os.SEEK_DATA)
            except OSError:  # no data after pos (ENXIO): the rest is a hole
                break
            end = os.lseek(fd, start, os.SEEK_HOLE)
            fin.seek(start)
            fout.seek(start)
            left = end - start
            while left > 0:
                chunk = fin.read(min(left, 1 << 20))
                if not chunk:
                    break
                fout.write(chunk)
                left -= len(chunk)
            pos = end
        fout.truncate(st.st_size)
    shutil.copystat(src, dst)


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
    """SHA-256 of a file with CRLF normalised to LF (an editor's line endings are not a change); streamed, so
    a huge replacement costs time, not memory."""
    h = hashlib.sha256()
    carry = b""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            data = carry + chunk
            carry = b"\r" if data.endswith(b"\r") else b""
            h.update((data[:-1] if carry else data).replace(b"\r\n", b"\n"))
    h.update(carry)
    return h.hexdigest()


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


def snapshot(workspace: Path, dst: Path, skipped: list[tuple[str, str]] | None = None) -> str | None:
    """Copy the stopped workspace into `dst` for grading.

    Every process of the agent has ended, so the tree is still. Permissions the agent took away are given
    back first (its owner may always read its own files). Links that leave the workspace are dropped (they
    would let the grader read host files), absolute links inside it become relative, and sockets, fifos and
    devices are skipped. A workspace over the limits (size, entries, depth, path length) is refused: `dst`
    is left empty and the reason is returned (None when the snapshot was taken). A copy that fails for the
    disk's sake (full, I/O error) raises SnapshotError: that is the harness's failure, not the agent's.
    `skipped`, when given, receives (path, why) for every entry not copied as it was (integrity flags).
    """
    _restore_access(workspace, skipped)
    problem = _over_limits(workspace)
    dst.mkdir(parents=True, exist_ok=False)
    if problem is not None:
        return f"workspace not graded: {problem}"
    root = os.path.realpath(workspace)
    stack = [""]
    while stack:
        rel = stack.pop()
        src_dir = os.path.join(workspace, rel)
        try:
            entries = list(os.scandir(src_dir))
        except OSError as exc:
            _raise_copy_failure(exc, rel)
            continue
        for entry in entries:
            rel_path = os.path.join(rel, entry.name)
            target = os.path.join(dst, rel_path)
            try:
                if entry.is_symlink():
                    link = _inner_link(root, os.path.join(root, rel_path))
                    if link is not None:
                        os.symlink(link, target)
                    elif skipped is not None:
                        skipped.append((rel_path, "link out of the workspace dropped: -> "
                                                  + os.path.realpath(entry.path)[:300]))
                elif entry.is_dir(follow_symlinks=False):
                    os.mkdir(target)
                    stack.append(rel_path)
                elif entry.is_file(follow_symlinks=False):
                    copy_file(entry.path, target)
                elif skipped is not None:
                    skipped.append((rel_path, f"{_kind(entry.path)} skipped"))
            except OSError as exc:
                _raise_copy_failure(exc, rel_path)
                if skipped is not None:
                    skipped.append((rel_path, f"unreadable, not graded: {exc.strerror}"))
                continue  # unreadable after all: not graded
    return None


def _raise_copy_failure(exc: OSError, rel_path: str) -> None:
    if exc.errno in COPY_FAILURES:
        raise SnapshotError(exc.errno, f"the snapshot could not be completed at {rel_path or '.'}: "
                                       f"{exc.strerror}") from None


def _inner_link(root: str, link_path: str) -> str | None:
    """The text for a copied link: relative, and only when it resolves (links followed) inside `root`."""
    resolved = os.path.realpath(link_path)
    if resolved != root and not resolved.startswith(root + os.sep):
        return None
    return os.path.relpath(resolved, os.path.dirname(link_path))


def _kind(path: str) -> str:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return "entry"
    return ("fifo" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode)
            else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "special file")


def _restore_access(workspace: Path, changed: list[tuple[str, str]] | None = None) -> None:
    """Give the owner back read (and, for folders, write and search) permission everywhere; each entry whose
    permissions were taken away is noted in `changed`."""
    stack = [str(workspace)]
    while stack:
        path = stack.pop()
        try:
            st = os.lstat(path)
            if stat.S_ISDIR(st.st_mode):
                if st.st_mode & stat.S_IRWXU != stat.S_IRWXU:
                    os.chmod(path, stat.S_IMODE(st.st_mode) | stat.S_IRWXU)
                    _note(changed, workspace, path, "folder made unreadable or untraversable")
                if path.count(os.sep) - str(workspace).count(os.sep) <= MAX_SNAPSHOT_DEPTH:
                    stack.extend(os.path.join(path, n) for n in os.listdir(path))
            elif stat.S_ISREG(st.st_mode) and not st.st_mode & stat.S_IRUSR:
                os.chmod(path, stat.S_IMODE(st.st_mode) | stat.S_IRUSR | stat.S_IWUSR)
                _note(changed, workspace, path, "file made unreadable")
        except OSError:
            continue


def _note(changed: list | None, workspace: Path, path: str, why: str) -> None:
    if changed is not None and path != str(workspace):
        changed.append((os.path.relpath(path, workspace), why))


def _over_limits(workspace: Path) -> str | None:
    total = count = 0
    stack = [("", 0)]
    while stack:
        rel, depth = stack.pop()
        if depth > MAX_SNAPSHOT_DEPTH:
            return f"folders nested deeper than {MAX_SNAPSHOT_DEPTH} levels"
        try:
            entries = list(os.scandir(os.path.join(workspace, rel)))
        except OSError:
            continue
        count += len(entries)
        if count > MAX_SNAPSHOT_FILES:
            return f"more than {MAX_SNAPSHOT_FILES} files and folders"
        for entry in entries:
            rel_path = os.path.join(rel, entry.name)
            if len(os.fsencode(rel_path)) > MAX_SNAPSHOT_PATH:
                return f"a path longer than {MAX_SNAPSHOT_PATH} bytes"
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                stack.append((rel_path, depth + 1))
            elif stat.S_ISREG(st.st_mode):
                total += st.st_size
                if total > MAX_SNAPSHOT_BYTES:
                    return f"more than {MAX_SNAPSHOT_BYTES} bytes of files"
    return None


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


def remove_tree(path: Path) -> None:
    """Delete a trial's folder whatever the agent made of it: any depth or path length (shutil.rmtree
    recurses and raises RecursionError on a deep tree) and folders it made unreadable. Never raises."""
    if not os.path.lexists(path):
        return
    if os.path.islink(path) or not os.path.isdir(path):
        try:
            os.unlink(path)
        except OSError:
            pass
        return
    # GNU chmod/rm walk with fd-relative calls (no recursion limit, no PATH_MAX) and do not follow links
    subprocess.run(["chmod", "-R", "u+rwX", "--", str(path)], capture_output=True)
    subprocess.run(["rm", "-rf", "--one-file-system", "--", str(path)], capture_output=True)


def read_limited(path: Path, limit: int = 10_000_000) -> bytes | None:
    """The bytes of a regular file the agent wrote, or None when it is a link, not a regular file (a fifo, a
    device) or longer than `limit`: what the harness and validators should use to read agent-written files
    (`read_text()` on a link to /dev/zero never returns)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return None
        data = f.read(limit + 1)
    return None if len(data) > limit else data


def inside(root: Path, path: Path) -> bool:
    """True when `path` resolves (links followed) to a location inside `root`."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True
