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

import ast
import configparser
import json
import os
import re
import sys
from pathlib import Path
from typing import Iterator

from . import workspace as ws
from .flagkinds import (FLAGS_INCOMPLETE, INTERNALS_CODE, LIBRARY_PATCHED, OUTSIDE_WORKSPACE, PACKAGE_INSTALL,
                        PROCESS_KILL, PROTECTED_EDITED, STARTUP_HOOK, TEST_CONFIG_ADDED, TEST_FILE_EDITED)

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
# Files Python runs or imports before the code that names them: startup hooks and shadows of the libraries
# grading uses. A new one in the workspace or anywhere in the agent's home is flagged.
STARTUP_FILES = re.compile(r"(^|/)(sitecustomize\.py|usercustomize\.py)$")
SHADOWED = frozenset(sys.stdlib_module_names) | {
    "torch", "numpy", "pytest", "_pytest", "pluggy", "pandas", "sklearn", "scipy", "transformers", "torchvision",
    "lightning", "pytorch_lightning", "timm", "wandb", "datasets", "safetensors", "huggingface_hub", "PIL"}
# Names in added or changed Python that reach interpreter internals or act when a process ends: what code
# uses to patch the process that grades it or to rewrite its reports at exit, and ML code hardly needs.
INTERNALS = frozenset({"__subclasses__", "__globals__", "__builtins__", "__code__", "__closure__", "_exit",
                       "atexit", "settrace", "setprofile", "excepthook", "finalize", "_getframe"})
MAX_CODE_BYTES = 2_000_000  # larger Python files are not parsed
MAX_HOME_ENTRIES = 200_000  # files of the agent's home looked at


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
    for rel in _installed(snap, given_files):
        yield PACKAGE_INSTALL, f"{rel}: an installed package's metadata added"
    for rel in sorted(str(p) for p in ws.match(snap, ("**/*.py", "**/*.pth"))):
        path = snap / rel
        if path.is_symlink() or not path.is_file():
            continue
        if rel in given_files and ws.file_digest(path) == ws.file_digest(given / rel):
            continue
        if STARTUP_FILES.search(rel) or (rel.endswith(".pth") and _runs_code(path)):
            yield STARTUP_HOOK, f"{rel}: Python startup file added or changed"
        elif rel not in given_files and Path(rel).stem in SHADOWED:
            yield STARTUP_HOOK, f"{rel}: shadows the module {Path(rel).stem!r}"
        elif rel.endswith(".py"):
            before = {(kind, what) for kind, _, what in _code_findings(given / rel)} if rel in given_files else set()
            seen = set()
            for kind, line, what in _code_findings(path):
                if (kind, what) not in before and kind not in seen:  # the first new finding of each kind
                    seen.add(kind)
                    yield kind, f"{rel}:{line}: {what}" + ("" if rel in given_files else " (new file)")


def _code_findings(path: Path) -> list[tuple[str, int, str]]:
    """(kind, line, what) in a Python file, parsed as text, never run: names of INTERNALS (identifiers,
    attributes, strings as in getattr(x, "__globals__"), imports), and functions put into a module it imports
    (`torch.testing.assert_close = lambda *a: None`, `setattr(np, "allclose", f)`: a library patched)."""
    data = ws.read_limited(path, MAX_CODE_BYTES)
    try:
        tree = ast.parse(data) if data is not None else None
    except (SyntaxError, ValueError):
        tree = None
    if tree is None:
        return []
    modules = {(a.asname or a.name).split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
               for a in n.names}
    modules |= {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    found = []
    for node in ast.walk(tree):
        name = (node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute)
                else node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
            name = next((n.split(".")[0] for n in names if n and n.split(".")[0] in INTERNALS), None)
        if name in INTERNALS:
            found.append((INTERNALS_CODE, node.lineno, name))
        patched = _patched(node, modules)
        if patched:
            found.append((LIBRARY_PATCHED, node.lineno, patched))
    return sorted(found, key=lambda f: f[1])


def _patched(node: ast.AST, modules: set[str]) -> str | None:
    """`a.b.c` when `node` puts a function (not a constant) into the imported module `a`."""
    if isinstance(node, ast.Assign):
        targets, value = node.targets, node.value
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" \
            and len(node.args) == 3 and isinstance(node.args[1], ast.Constant):
        targets, value = [ast.Attribute(value=node.args[0], attr=str(node.args[1].value))], node.args[2]
    else:
        return None
    if isinstance(value, ast.Constant) or not isinstance(value, (ast.Lambda, ast.Name, ast.Attribute)):
        return None
    for target in targets:
        chain, cur = [], target
        while isinstance(cur, ast.Attribute):
            chain.append(cur.attr)
            cur = cur.value
        if chain and isinstance(cur, ast.Name) and cur.id in modules:
            return ".".join([cur.id, *reversed(chain)])
    return None


def _runs_code(path: Path) -> bool:
    """A `.pth` file of the kind `site` executes (a text line starting with `import`), not a PyTorch checkpoint
    of the same extension."""
    data = ws.read_limited(path, 1_000_000)
    try:
        text = data.decode("utf-8") if data is not None and b"\0" not in data else ""
    except UnicodeDecodeError:  # site reads .pth files as text: a binary one runs nothing
        return False
    return any(line.lstrip().startswith(("import ", "import\t")) for line in text.splitlines())


def _installed(root: Path, given_files: set[str]) -> list[str]:
    """Folders of installed-package metadata (`*.dist-info/METADATA`, `*.egg-info/PKG-INFO`) new under `root`."""
    found = ws.match(root, ("**/*.dist-info/METADATA", "**/*.egg-info/PKG-INFO"))
    return sorted({str(p.parent) for p in found if str(p) not in given_files})


def home_flags(home: Path) -> Iterator[tuple[str, str]]:
    """Startup hooks and installed packages the agent left in its home (user site-packages): the home starts
    empty."""
    seen = 0
    for top, dirs, files in os.walk(home):  # links are not followed
        dirs.sort()
        for name in sorted(files):
            seen += 1
            if seen > MAX_HOME_ENTRIES:
                return
            rel = os.path.relpath(os.path.join(top, name), home)
            if name in ("METADATA", "PKG-INFO") and top.endswith((".dist-info", ".egg-info")):
                yield PACKAGE_INSTALL, f"~/{os.path.dirname(rel)}: an installed package's metadata"
            path = os.path.join(top, name)
            if STARTUP_FILES.search(rel) or (name.endswith(".pth") and _runs_code(Path(path))) \
                    or (name.endswith(".py") and name[:-3] in SHADOWED and "site-packages" in rel):
                yield STARTUP_HOOK, f"~/{rel}: Python startup file in the agent's home"


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
            off_limits: list[Path], own: list[Path], observed=()) -> list[dict]:
    """The flags of one trial. `doc`: its trajectory (None: no LLM calls); `given`/`snap`: the workspace as
    given and as left (None: no snapshot); `off_limits`: folders outside the workspace an agent has no business
    naming (hidden material, solutions, other trials); `own`: the trial's own folders inside those; `observed`:
    (kind, evidence, source) the harness saw itself (harness_evidence.py)."""
    found: list[dict] = []
    if snap is not None and snap.is_dir():
        found += [_flag(k, e, "workspace") for k, e in _diff_flags(given, snap, protected)]
    if doc:
        found += [_flag(k, e, "trajectory.json", s) for k, e, s in _trajectory_flags(doc, off_limits, own)]
    found += [_flag(k, e, src) for k, e, src in observed]
    out, counts = [], {}
    for f in found:
        counts[f["flag"]] = counts.get(f["flag"], 0) + 1
        if counts[f["flag"]] <= MAX_PER_KIND:
            out.append(f)
    for kind, n in counts.items():
        if n > MAX_PER_KIND:
            out.append(_flag(kind, f"{n - MAX_PER_KIND} more", None))
    return out


def _flag(kind: str, evidence: str, source: str | None, step: int | None = None) -> dict:
    return {"flag": kind, "evidence": evidence, "source": source, "step": step}


def flags_of(trial) -> list[dict]:
    """The flags of a `Trial` at record time: its snapshot (against what it was given), trajectory.json, home,
    run (with the file-access audit), the mirror's log, the ledger."""
    from . import harness_evidence as he
    from .output_evidence import output_flags
    from .report.trajectories import read
    task, cfg = trial.task, trial.cfg
    snap = trial.snapshot if trial.snapshot.is_dir() else None
    off_limits = [task.hidden, task.solution, task.root.parent.parent, cfg.out_dir, cfg.scratch]
    own = [trial.workspace, trial.home, trial.agent_dir]
    r = trial.result
    try:
        skipped = he.snapshot_flags(trial.snapshot_skipped, trial.snapshot_refused, (trial.home, trial.agent_dir))
        observed = [(k, e, "snapshot") for k, e in skipped]
        ran = he.run_flags(r.output_dropped or 0, trial.survivors, trial.network_refused, trial.file_probes)
        observed += [(k, e, "sandbox") for k, e in ran]
        observed += [(k, e, "home") for k, e in home_flags(trial.home)]
        if snap is not None:
            outputs = output_flags(task.workspace, snap, trial.input_folders())
            observed += [(k, e, "snapshot") for k, e in outputs]
        observed += [(k, e, "assets.json") for k, e in he.asset_flags(trial.assets_log)]
        observed += [(k, e, "llm_ledger.jsonl") for k, e in he.ledger_flags(trial.out / "llm_ledger.jsonl")]
        return compute(read(trial.out), task.workspace, snap, trial.protected_hashes, off_limits, own, observed)
    except OSError as exc:  # an unreadable file in what the agent left: say so, the outcome stands
        return [_flag(FLAGS_INCOMPLETE, f"could not compute flags: {exc}", None)]


def summary(flags: list[dict]) -> str:
    """`kind×n, ...` for a table cell ('' when clean)."""
    counts: dict[str, int] = {}
    for f in flags or []:
        more = re.fullmatch(r"(\d+) more", str(f.get("evidence", "")))
        counts[f.get("flag", "?")] = counts.get(f.get("flag", "?"), 0) + (int(more.group(1)) if more else 1)
    return ", ".join(f"{k}×{n}" if n > 1 else k for k, n in counts.items())
