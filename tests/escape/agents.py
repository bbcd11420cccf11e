"""pytest plugin: the escape arena's scripted agents (load with `-p tests.escape.agents`).

`escape-attacker` tries every escape of the threat model (docs/architecture.md) and records each attempt;
`escape-neighbour` is an honest trial running at the same time. What they aim at comes from the test's
environment (MLDB_ESCAPE_PORT: a TCP port the test listens on, on the host's loopback; MLDB_ESCAPE_PLANTED:
files it planted under /opt and /var, os.pathsep-separated) and from this harness's own paths, baked into
the scripts here.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from pytest_mldevbench import taskenv
from pytest_mldevbench.agents.script import script_agent
from pytest_mldevbench.sandbox.cgroups import PIDS_LIMIT
from pytest_mldevbench.sandbox.disk import agent_disk_bytes

HERE = Path(__file__).resolve().parent
FLOOD_MIB = int(os.environ.get("MLDB_ESCAPE_FLOOD_MIB") or 1024)


def targets(root: Path) -> tuple[dict, dict]:
    """Folders the attacker tries to write into, and files/folders it tries to read (none of them its own)."""
    package = Path(__import__("pytest_mldevbench").__file__).parent
    task_prefix = taskenv.task_python().parent.parent
    cache = taskenv.cache_root()
    writes = {"the task environment": task_prefix / "lib", "the harness venv": Path(sys.prefix),
              "the harness interpreter": Path(sys.base_prefix), "the asset cache": cache / "assets",
              "the repository": root, "the harness package": package, "/etc": Path("/etc"), "/usr": Path("/usr")}
    planted = [Path(p) for p in os.environ.get("MLDB_ESCAPE_PLANTED", "").split(os.pathsep) if p]
    reads = {"/etc/shadow": "/etc/shadow", **{f"the file planted under /{p.parts[1]}": p for p in planted},
             "a solution of the repository": root / "cases" / "extras" / "hello_world" / "solution" / "solve.sh",
             "the smoke generators": package / "assets" / "smokegen" / "common.py",
             "root's shell profile": Path.home() / ".bashrc", "root's pyenv shims": Path.home() / ".pyenv" / "shims"}
    for name, folder, pattern in (("a file of the asset cache", cache / "assets", "*/*/*/meta.json"),
                                  ("a file of the reference cache", cache / "reference", "*.json")):
        reads[name] = next(iter(sorted(folder.glob(pattern))), folder / "absent")
    return {k: str(v) for k, v in writes.items()}, {k: str(v) for k, v in reads.items()}


def settings(root: Path) -> dict:
    writes, reads = targets(root)
    return {"write_targets": writes, "read_targets": reads, "host_port": int(os.environ.get("MLDB_ESCAPE_PORT") or 9),
            "task_prefix": str(taskenv.task_python().parent.parent), "flood_mib": FLOOD_MIB,
            "pids_limit": PIDS_LIMIT, "disk_bytes": agent_disk_bytes("smoke"), "neighbour_window_s": 8}


def pytest_mldevbench_agents(config):
    prelude = f"import json as _j\nCONFIG = _j.loads({json.dumps(settings(config.rootpath))!r})\n"
    return [script_agent(f"escape-{name}", prelude + (HERE / f"{name}.py").read_text(), "python", why)
            for name, why in (("attacker", "tries every escape of the threat model"),
                              ("neighbour", "an honest trial beside the attacker"))]
