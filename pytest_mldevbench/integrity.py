"""Integrity flags: evidence, read from a trial's trajectory and its workspace diff, shown beside the outcome.

Flags never change an outcome and enforce nothing. What keeps an agent from reaching hidden material or
other trials is the sandbox (a kernel boundary); what keeps a cheat from passing is trusted grading
(docs/architecture.md, "Invariant: the verdict"). Flags are for the people reading results: where an agent
tried what the task told it not to (edit protected or test files, add test configuration, install packages,
reach for paths outside its workspace, kill processes), so a pass can be questioned and a failure explained.
They are heuristics over what the agent said and what it left behind, not a deny-list that decides: an
agent can do each of these things in ways no pattern sees (the workspace diff still sees their effect on
files), and a flagged command may have done no harm.

Each flag: {"flag": kind, "evidence": what was seen (one line), "step": the trajectory step, or None for the
workspace diff}.
"""
from __future__ import annotations

import configparser
import json
import os
import re
from pathlib import Path
from typing import Iterator

from . import workspace as ws

PROTECTED_EDITED = "protected_file_edited"
TEST_FILE_EDITED = "test_file_edited"
TEST_CONFIG_ADDED = "test_config_added"
PACKAGE_INSTALL = "package_install"
OUTSIDE_WORKSPACE = "path_outside_workspace"
PROCESS_KILL = "process_kill"
KINDS = (PROTECTED_EDITED, TEST_FILE_EDITED, TEST_CONFIG_ADDED, PACKAGE_INSTALL, OUTSIDE_WORKSPACE, PROCESS_KILL)

MAX_PER_KIND = 5  # evidence kept per kind (the count says how many more there were)
TEST_FILE = re.compile(r"(^|/)(test_[^/]*\.py|[^/]*_test\.py|conftest\.py)$|(^|/)tests?/")
INSTALL = re.compile(
    r"\b(?:pip3?|uv\s+pip|python3?\s+-m\s+pip|conda|mamba|micromamba|poetry|pipx)\s+(?:install|add)\b"
    r"|\buv\s+add\b|\bapt(?:-get)?\s+(?:-\S+\s+)*install\b|\bdpkg\s+-i\b")
KILL = re.compile(r"\b(?:pkill|killall)\b|\bkill\s+(?:-\S+\s+)*(?:-?1\b|\d{2,}|\$)|\bos\.kill(?:pg)?\s*\("
                  r"|\.(?:kill|terminate)\(\)\s*for\b|\bpsutil\.process_iter\b")
SECRET_DIRS = re.compile(r"(?:/|\.\./)(?:hidden|solution)\b|(?:^|[\s'\"=(])(?:hidden|solution)/")
ABS_PATH = re.compile(r"(?<![\w.-])(/[\w.+@-]+(?:/[\w.+@-]*)*)")
CODE_BLOCK = re.compile(r"```[\w+-]*\n(.*?)```", re.S)


def _diff_flags(given: Path, snap: Path, protected: dict[str, str]) -> Iterator[tuple[str, str]]:
    """Flags of the workspace the agent left (`snap`) against the one it was given."""
    for rel in ws.verify_protected(snap, protected):
        yield PROTECTED_EDITED, f"{rel} changed, removed or replaced by a link"
    given_files = {str(p) for p in ws.match(given, ("**/*",))} if given.is_dir() else set()
    for rel in sorted(given_files - set(protected)):
        if TEST_FILE.search(rel):
            path = snap / rel
            if path.is_symlink() or not path.is_file():
                yield TEST_FILE_EDITED, f"{rel} removed or replaced"
            elif ws.file_digest(path) != ws.file_digest(given / rel):
                yield TEST_FILE_EDITED, f"{rel} changed"
    for rel, why in _test_config(snap):
        if rel not in given_files or ws.file_digest(snap / rel) != ws.file_digest(given / rel):
            yield TEST_CONFIG_ADDED, f"{rel}: {why}" + ("" if rel not in given_files else " (changed)")


def _test_config(root: Path) -> Iterator[tuple[str, str]]:
    """Files under `root` that configure pytest: conftest.py, pytest.ini, and pytest sections elsewhere."""
    for rel in ws.match(root, ("**/conftest.py", "**/pytest.ini", "**/.pytest.ini", "**/pyproject.toml",
                               "**/setup.cfg", "**/tox.ini")):
        name, path = rel.name, root / rel
        if name in ("conftest.py", "pytest.ini", ".pytest.ini"):
            yield str(rel), "pytest configuration"
            continue
        data = ws.read_limited(path, 1_000_000) or b""
        text = data.decode("utf-8", "replace")
        if name == "pyproject.toml" and re.search(r"^\s*\[tool\.pytest", text, re.M):
            yield str(rel), "[tool.pytest...] section"
        elif name in ("setup.cfg", "tox.ini"):
            parser = configparser.ConfigParser(strict=False, interpolation=None)
            try:
                parser.read_string(text)
            except configparser.Error:
                continue
            if {"pytest", "tool:pytest"} & set(parser.sections()):
                yield str(rel), "pytest section"


def _commands(doc: dict) -> Iterator[tuple[int, str]]:
    """(step, text) of what the agent asked to run or write: tool-call arguments, code blocks in its words."""
    for step in doc.get("steps") or []:
        if step.get("source") != "agent" or step.get("is_copied_context"):
            continue
        for call in step.get("tool_calls") or []:
            args = call.get("arguments")
            yield step["step_id"], " ".join(_strings(args)) if isinstance(args, dict) else str(args)
        for block in CODE_BLOCK.findall(step.get("message") or ""):
            yield step["step_id"], block


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif value is not None:
        yield json.dumps(value)


def _under(path: str, root: Path) -> bool:
    root_s = os.path.normpath(str(root))
    return path == root_s or path.startswith(root_s.rstrip("/") + "/")


def _trajectory_flags(doc: dict, off_limits: list[Path], own: list[Path]) -> Iterator[tuple[str, str, int]]:
    for step, text in _commands(doc):
        for kind, pattern in ((PACKAGE_INSTALL, INSTALL), (PROCESS_KILL, KILL)):
            found = pattern.search(text)
            if found:
                yield kind, _excerpt(text, found.start(), found.end()), step
        found = SECRET_DIRS.search(text)
        if found:
            yield OUTSIDE_WORKSPACE, _excerpt(text, found.start(), found.end()), step
        for m in ABS_PATH.finditer(text):
            path = os.path.normpath(m.group(1))
            if any(_under(path, r) for r in off_limits) and not any(_under(path, r) for r in own):
                yield OUTSIDE_WORKSPACE, _excerpt(text, m.start(), m.end()), step


def _excerpt(text: str, start: int, end: int, context: int = 40) -> str:
    line = text[max(0, start - context):end + context].replace("\n", " ⏎ ")
    return ("…" if start > context else "") + line + ("…" if end + context < len(text) else "")


def compute(doc: dict | None, given: Path, snap: Path | None, protected: dict[str, str],
            off_limits: list[Path], own: list[Path]) -> list[dict]:
    """The flags of one trial. `doc`: its trajectory (None: no LLM calls); `given`/`snap`: the workspace as
    given and as left (None: no snapshot); `off_limits`: folders outside the workspace an agent has no business
    naming (hidden material, solutions, other trials); `own`: the trial's own folders inside those."""
    found: list[dict] = []
    if snap is not None and snap.is_dir():
        found += [{"flag": k, "evidence": e, "step": None} for k, e in _diff_flags(given, snap, protected)]
    if doc:
        found += [{"flag": k, "evidence": e, "step": s} for k, e, s in _trajectory_flags(doc, off_limits, own)]
    out, counts = [], {}
    for f in found:
        counts[f["flag"]] = counts.get(f["flag"], 0) + 1
        if counts[f["flag"]] <= MAX_PER_KIND:
            out.append(f)
    for kind, n in counts.items():
        if n > MAX_PER_KIND:
            out.append({"flag": kind, "evidence": f"{n - MAX_PER_KIND} more", "step": None})
    return out


def flags_of(trial) -> list[dict]:
    """The flags of a `Trial` at record time (its snapshot and trajectory.json, if any)."""
    from .report.trajectories import read
    task, cfg = trial.task, trial.cfg
    snap = trial.snapshot if trial.snapshot.is_dir() else None
    off_limits = [task.hidden, task.solution, task.root.parent.parent, cfg.out_dir, cfg.scratch]
    own = [trial.workspace, trial.home, trial.agent_dir]
    try:
        return compute(read(trial.out), task.workspace, snap, trial.protected_hashes, off_limits, own)
    except OSError as exc:  # an unreadable file in what the agent left: say so, the outcome stands
        return [{"flag": "flags_incomplete", "evidence": f"could not compute flags: {exc}", "step": None}]


def summary(flags: list[dict]) -> str:
    """`kind×n, ...` for a table cell ('' when clean)."""
    counts: dict[str, int] = {}
    for f in flags or []:
        more = re.fullmatch(r"(\d+) more", str(f.get("evidence", "")))
        counts[f.get("flag", "?")] = counts.get(f.get("flag", "?"), 0) + (int(more.group(1)) if more else 1)
    return ", ".join(f"{k}×{n}" if n > 1 else k for k, n in counts.items())
