"""Judge (trusted: wandb's own decoder on data): decode every offline W&B run in a collected copy of ./wandb.

`runs(root)`: [{"dir", "file", "run_id", "producer", "project", "display_name", "tags", "start_time", "resume",
"history": [...], "error"}] for the offline-run-* folders of `root` (a bounded copy: regular files only).
"""
import json
import os
import subprocess
import sys
from pathlib import Path


def inspect(run_file: Path) -> dict:
    env = dict(os.environ, WANDB_MODE="offline", WANDB_SILENT="true", NO_COLOR="1")
    r = subprocess.run([sys.executable, "-m", "wandb", "leet", "inspect", "--json", str(run_file)],
                       capture_output=True, text=True, env=env, timeout=90, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        return {"error": f"inspect failed: {r.stderr[-400:]}"}
    info = {"producer": None, "run_id": None, "project": None, "display_name": None, "tags": None,
            "start_time": None, "resume": None, "history": []}
    for line in r.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        kind = rec.get("type")
        body = rec.get(kind) or {}
        if kind == "header":
            info["producer"] = (body.get("version_info") or {}).get("producer")
        elif kind == "run" and info["run_id"] is None:
            for key in ("run_id", "project", "display_name", "tags", "start_time", "resume"):
                info[key] = body.get(key)
        elif kind == "history":
            info["history"].append(body.get("item") or {})
    if info["run_id"] is None:
        info["error"] = "no run record"
    return info


def runs(root: Path) -> list[dict]:
    found = []
    for run_dir in sorted(p for p in root.glob("offline-run-*") if p.is_dir()) if root.is_dir() else []:
        files = [f for f in run_dir.glob("run-*.wandb") if f.is_file()]
        if len(files) != 1:
            found.append({"dir": run_dir.name, "error": f"{len(files)} run-*.wandb files"})
            continue
        found.append({"dir": run_dir.name, "file": files[0].name, **inspect(files[0])})
    return found
