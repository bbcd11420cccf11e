"""Variant cases (`variant_of = "<category>/<task_id>"` in task.toml): a case that shares its parent's files.

A variant's `hidden/` and `workspace/` are its parent's with the variant's own files laid over them (a file
the variant has wins, path by path); its `prompt.md` is its own if it has one, else the parent's. The merged
folders are built once per content (a hash of both layers) under the harness cache, which the sandbox hides
like the case folders themselves. `solution/`, the validator and task.toml are always the variant's own (its
validator may be the parent's function: `parent_validator`).
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tomllib
import uuid
from pathlib import Path

from . import taskenv
from .errors import TaskError
from .workspace import copy_tree, remove_tree

KEY = "variant_of"
LAYERED = ("hidden", "workspace")


def parent_root(root: Path, ref: object, fail) -> Path:
    """The parent case folder that `variant_of` names (relative to the cases folder holding `root`); `fail`
    builds the one-line error for a reference that is not a case, is the case itself or is a variant."""
    if not isinstance(ref, str) or len(Path(ref).parts) != 2 or ".." in Path(ref).parts or Path(ref).is_absolute():
        raise fail(KEY, f"is {ref!r}; expected '<category>/<task_id>' of a case in the same cases folder")
    parent = root.parent.parent / ref
    if not (parent / "task.toml").is_file():
        raise fail(KEY, f"names {ref!r}, but {parent / 'task.toml'} does not exist")
    if parent.resolve() == root.resolve():
        raise fail(KEY, f"names the case itself ({ref!r})")
    try:
        nested = KEY in tomllib.loads((parent / "task.toml").read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        raise fail(KEY, f"names {ref!r}, whose task.toml is not valid TOML") from None
    if nested:
        raise fail(KEY, f"names {ref!r}, which is itself a variant (a variant's parent must be a plain case)")
    return parent


def merged(root: Path, parent: Path, name: str) -> Path:
    """`parent/name` with `root/name` laid over it, as one folder (built once per content, shared)."""
    layers = [parent / name, root / name]
    target = taskenv.cache_root() / "variants" / f"{root.name}-{name}-{_digest(layers)}"
    if target.is_dir():
        return target
    building = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}")
    copy_tree(layers[0], building)
    if layers[1].is_dir():
        shutil.copytree(layers[1], building, symlinks=True, dirs_exist_ok=True)
    try:
        os.rename(building, target)  # atomic; another process may have built the same content first
    except OSError:
        remove_tree(building)
    return target


def _digest(layers: list[Path]) -> str:
    h = hashlib.sha256()
    for i, layer in enumerate(layers):
        for path in sorted(layer.rglob("*")) if layer.is_dir() else []:
            h.update(f"{i}\0{path.relative_to(layer)}\0".encode())
            if path.is_symlink():
                h.update(b"link\0" + os.readlink(path).encode())
            elif path.is_file():
                h.update(f"{path.stat().st_mode & 0o777:o}\0".encode() + path.read_bytes())
    return h.hexdigest()[:16]


def parent_validator(validator_file: str):
    """The parent's validator function, for a variant graded by the same recipe (its files differ, not its
    grading steps): in the variant's test_<task_id>.py, `test_<task_id> = parent_validator(__file__)`."""
    from .tasks import load_task  # tasks imports this module
    task = load_task(Path(validator_file).resolve().parent)
    if task.parent is None:
        raise TaskError(f"{validator_file}: parent_validator needs `{KEY}` in the case's task.toml")
    name = f"test_{task.parent.name}"
    spec = importlib.util.spec_from_file_location(f"mldb_parent_validator_{task.parent.name}", task.parent / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)
