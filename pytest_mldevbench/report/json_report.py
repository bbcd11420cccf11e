"""The schema-versioned JSON report."""
from __future__ import annotations

import json
import os
import platform
import socket
from datetime import datetime, timezone
from pathlib import Path

from .aggregate import aggregate

SCHEMA = "mldevbench.report/1"


def build(trials: list[dict], metadata: dict) -> dict:
    trials = sorted(trials, key=lambda t: t["nodeid"])
    return {
        "schema": SCHEMA,
        "metadata": {
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "host": socket.gethostname(), "platform": platform.platform(), **metadata,
        },
        "trials": trials,
        "errors": [{"trial_id": t["trial_id"], "detail": t["detail"]} for t in trials if t["outcome"] == "error"],
        "aggregates": aggregate(trials),
    }


def write(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=2, sort_keys=True))
    os.replace(tmp, path)


def load(path: Path) -> dict:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("schema") != SCHEMA:
        raise ValueError(f"{path}: not a {SCHEMA} report (schema {data.get('schema')!r})")
    return data
