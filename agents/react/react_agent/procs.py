"""Process helpers: find and kill every descendant of a process (Linux /proc; pid only elsewhere).

Commands stay in the agent's process group, so the harness can still end them all; the agent kills
a command's whole tree itself when that command times out.
"""
from __future__ import annotations

import os
import signal
from pathlib import Path


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # field 4 (ppid) follows the ")" that closes the command name
        fields = text[text.rfind(")") + 2:].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return children


def descendants(pid: int) -> list[int]:
    """All live descendants of `pid` (children first)."""
    if not Path("/proc").is_dir():
        return []
    tree, out, todo = _children_map(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kill_tree(pid: int) -> None:
    """SIGKILL `pid` and all its descendants (twice over, to catch late forks)."""
    for _ in range(2):
        for p in [pid, *descendants(pid)]:
            try:
                os.kill(p, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
