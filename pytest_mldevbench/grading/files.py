"""Reading what the agent left, as bounded data: containment of paths it wrote, bounded reads, numbers.

Every validator used to write these again; they are the one copy. Nothing here executes, imports or
unpickles what it reads.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from ..workspace import read_limited

TEXT_LIMIT = 10_000_000   # bytes of a text file read at once
JSON_LIMIT = 1_000_000    # bytes of a JSON file the agent wrote


def contained(root: Path, raw: Any, *, workspace: Path | None = None, base: Path | None = None) -> Path | None:
    """The real path of `raw` (a path the agent wrote) inside `root`, or None.

    `raw` may be relative (to `base`, default `root`) or absolute under `workspace` (the agent's own path of
    the folder `root` is a copy of); links are followed, also absolute links into `workspace`, which are
    followed inside `root`. None when `raw` is not a usable string or the path resolves outside `root`.
    The path need not exist: check that where it matters."""
    if isinstance(raw, Path):
        raw = str(raw)
    if not isinstance(raw, str) or not raw.strip() or "\0" in raw:
        return None
    top = Path(os.path.realpath(root))
    aliases = {Path(str(workspace)), Path(os.path.realpath(workspace))} if workspace is not None else set()
    path = Path(raw.strip())
    if path.is_absolute() and not path.is_relative_to(top):
        rel = next((path.relative_to(a) for a in aliases if path.is_relative_to(a)), None)
        if rel is None:
            return None
        path = top / rel
    else:
        path = (base or top) / path
    for _ in range(20):  # an absolute link into the workspace, followed inside the copy, may point on again
        real = Path(os.path.realpath(path))
        if real == top or real.is_relative_to(top):
            return real
        rel = next((real.relative_to(a) for a in aliases if real.is_relative_to(a)), None)
        if rel is None:
            return None
        path = top / rel
    return None


def read_bytes(path: Path | None, limit: int = TEXT_LIMIT) -> bytes | None:
    """The bytes of a regular file (not a link, fifo or device) of at most `limit` bytes, else None."""
    return None if path is None else read_limited(Path(path), limit)


def read_text(path: Path | None, limit: int = TEXT_LIMIT) -> str | None:
    """A regular file's text (UTF-8, undecodable bytes replaced), bounded as `read_bytes`; else None."""
    data = read_bytes(path, limit)
    return None if data is None else data.decode("utf-8", errors="replace")


def read_json(path: Path | None, limit: int = JSON_LIMIT) -> Any:
    """A regular file's JSON value (bounded), or None when it is missing, too big or not JSON."""
    data = read_bytes(path, limit)
    if data is None:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None


def last_json_line(text: str) -> Any:
    """The JSON value on the last non-empty line of `text` (what a script printed last), or None."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return None
    try:
        return json.loads(lines[-1])
    except (ValueError, RecursionError):
        return None


def finite(value: Any) -> bool:
    """A real number (not a bool), finite."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def number(value: Any) -> float | None:
    """`value` as a float when it is a finite real number (not a bool), else None."""
    return float(value) if finite(value) else None


def integer(value: Any) -> bool:
    """An int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)
