"""A machine-wide cache for grader-side reference results (JSON), keyed by content, safe across xdist workers."""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Callable

from .taskenv import cache_root


def content_key(parts: list) -> str:
    """sha256 over the parts: bytes and str as they are, paths by their relative names and file bytes."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            files = sorted(p for p in part.rglob("*") if p.is_file()) if part.is_dir() else [part]
            for f in files:
                h.update(f.relative_to(part).as_posix().encode() if part.is_dir() else b"<file>")
                h.update(hashlib.sha256(f.read_bytes()).digest())
        else:
            h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()


def cached(parts: list, compute: Callable[[], dict], root: Path | None = None) -> dict:
    """Return the stored result for `parts`, computing and storing it once (under a file lock) if absent."""
    folder = (root or cache_root()) / "reference"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{content_key(parts)}.json"
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
        result = compute()
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(result), encoding="utf-8")
        tmp.replace(path)
        return result


def built_once(target: Path, build: Callable[[Path], None]) -> Path:
    """The folder `target`, built once on this machine: `build(folder)` fills a temporary sibling that is then
    renamed into place, under a file lock, so concurrent trials (xdist workers) wait for the first build and
    share it, and an interrupted build leaves nothing half-made at `target`."""
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.is_dir():
            tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            build(tmp)
            tmp.replace(target)
    return target
