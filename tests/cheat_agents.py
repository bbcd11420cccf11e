"""pytest plugin for the project's tests: registers scripted agents (no LLM).

- every cheat in tests/cheats/<task_id>.py as agent `cheat-<task_id>-<name>` (id-safe: '_' → '-'),
- a few harness probes (crash, timeout, background writer, snooper) used by tests/test_sandbox.py.
Load it with `-p tests.cheat_agents` (cwd = the repository root).
"""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from pytest_mldevbench.agents.script import script_agent
from pytest_mldevbench.tasks import load_task

from . import cheats


def cheat_agent_name(task_id: str, cheat_name: str) -> str:
    return f"cheat-{task_id}-{cheat_name}".replace("_", "-")


def all_cheats() -> dict[str, list]:
    """task_id -> list of Cheat, from every module in tests/cheats/."""
    found = {}
    for info in pkgutil.iter_modules(cheats.__path__):
        module = importlib.import_module(f"{cheats.__name__}.{info.name}")
        found[info.name] = list(getattr(module, "CHEATS", []))
    return found


def probes(config) -> dict[str, tuple[str, str]]:
    """Harness probes: agents that misbehave in one specific way."""
    root = config.rootpath
    secret_places = " ".join(f"'{p}'" for p in (
        root / "cases", root / "pytest_mldevbench", root / "tests", Path.home() / ".cache" / "mldevbench" / "assets"))
    return {
        "probe-crash": ("bash", "echo 'print(\"Hello, World!\")' > hello.py; exit 3"),
        "probe-sleep": ("bash", "sleep 300"),
        # writes a good hello.py, then leaves a detached process that would overwrite it a little later
        "probe-background": ("bash", "printf 'print(\"Hello, World!\")\\n' > hello.py; "
                                     "setsid nohup bash -c 'sleep 3; echo \"print(1)\" > hello.py; touch late_write' "
                                     ">/dev/null 2>&1 & disown; exit 0"),
        # looks for grading material and the repository, and records what it could read
        "probe-snoop": ("bash", f"for p in {secret_places}; do ls -A \"$p\" 2>/dev/null | sed \"s|^|$p: |\" >> found.txt; done; "
                                "find / \\( -path /proc -o -path /sys -o -path \"$PWD\" \\) -prune -o "
                                "\\( -name test_hidden.py -o -name solve.sh -o -name task.toml -o -name result.json \\) "
                                "-print 2>/dev/null >> found.txt; true"),
    }


def editable_globs(root: Path, task_id: str) -> list[str]:
    """files.editable of the case `task_id` (empty when the task has none)."""
    for toml in root.glob(f"cases/*/{task_id}/task.toml"):
        return list(load_task(toml.parent).editable or ())
    return []


def pytest_mldevbench_agents(config):
    specs = []
    for task_id, task_cheats in all_cheats().items():
        editable = editable_globs(config.rootpath, task_id)
        for cheat in task_cheats:
            specs.append(script_agent(cheat_agent_name(task_id, cheat.name), cheat.script_for(editable),
                                      cheat.lang, cheat.why))
    for name, (lang, script) in probes(config).items():
        specs.append(script_agent(name, script, lang))
    return specs
