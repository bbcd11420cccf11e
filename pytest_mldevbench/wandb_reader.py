"""Read an offline W&B run (`wandb/offline-run-*-<id>/run-<id>.wandb`) with wandb's own decoder.

The harness environment has no wandb, so the task environment's Python runs `wandb leet inspect --json`,
which prints one JSON record per line of the transaction log; this module folds those records into
config, summary and history. Nothing is read from files the agent could write besides the log itself.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path


class WandbReadError(RuntimeError):
    """The run directory holds no readable offline run."""


def find_run_file(run_dir: Path) -> Path:
    run_dir = Path(run_dir)
    if run_dir.is_file() and run_dir.suffix == ".wandb":
        return run_dir
    files = sorted(run_dir.glob("run-*.wandb"))
    if len(files) != 1:
        raise WandbReadError(f"{run_dir}: expected exactly one run-*.wandb file, found {len(files)}")
    return files[0]


def _task_python() -> str:
    given = os.environ.get("MLDB_TASK_PYTHON")
    if given:
        return given
    from .taskenv import task_python
    return str(task_python())


def _nest(flat: dict) -> dict:
    """{"a.b": 1} -> {"a": {"b": 1}} (wandb flattens nested values in history/summary records)."""
    out: dict = {}
    for key, value in flat.items():
        node, parts = out, key.split(".")
        for part in parts[:-1]:
            nxt = node.get(part)
            if not isinstance(nxt, dict):
                nxt = node[part] = {}
            node = nxt
        if isinstance(node.get(parts[-1]), dict) and isinstance(value, dict):
            node[parts[-1]].update(value)
        else:
            node[parts[-1]] = value
    return out


def _remove(target: dict, keys) -> None:
    for key in keys or []:
        parts = key if isinstance(key, list) else str(key).split(".")
        node = target
        for part in parts[:-1]:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node.pop(parts[-1], None)


def fold_records(records: list[dict]) -> dict:
    """Fold `leet inspect --json` records into {config, summary, history, project, name, id, ...}."""
    out = {"config": {}, "summary": {}, "history": [], "project": None, "name": None, "id": None,
           "entity": None, "state": "running", "exit_code": None}
    summary_flat: dict = {}
    for rec in records:
        kind = rec.get("type")
        body = rec.get(kind) or {}
        if kind == "run":
            out["project"], out["name"] = body.get("project"), body.get("display_name")
            out["id"], out["entity"] = body.get("run_id"), body.get("entity")
            out["config"].update((body.get("config") or {}).get("update") or {})
            summary_flat.update((body.get("summary") or {}).get("update") or {})
        elif kind == "config":
            out["config"].update(body.get("update") or {})
            _remove(out["config"], body.get("remove"))
        elif kind == "summary":
            summary_flat.update(body.get("update") or {})
            for key in body.get("remove") or []:
                summary_flat.pop(key if isinstance(key, str) else ".".join(key), None)
        elif kind == "history":
            out["history"].append(_nest(body.get("item") or {}))
        elif kind == "exit":
            out["state"] = "finished" if body.get("exit_code", 0) == 0 else "failed"
            out["exit_code"] = body.get("exit_code", 0)
    out["config"].pop("_wandb", None)
    out["summary"] = {k: v for k, v in _nest(summary_flat).items() if k != "_wandb"}
    return out


def read_offline_run(run_dir: Path, python: str | None = None, timeout: float = 120) -> dict:
    """{"config", "summary", "history": [...], "project", "name", "id", "entity", "state", "exit_code"}."""
    run_file = find_run_file(Path(run_dir))
    env = dict(os.environ, WANDB_MODE="offline", WANDB_SILENT="true", NO_COLOR="1")
    cmd = [python or _task_python(), "-m", "wandb", "leet", "inspect", "--json", str(run_file)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise WandbReadError(f"wandb leet inspect timed out on {run_file}") from exc
    if r.returncode != 0:
        raise WandbReadError(f"wandb leet inspect failed on {run_file}: {r.stderr[-1000:]}")
    records = []
    for line in r.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    if not any(rec.get("type") == "run" for rec in records):
        raise WandbReadError(f"{run_file}: no run record in the log")
    return fold_records(records)
