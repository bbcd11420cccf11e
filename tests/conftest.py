"""Shared fixtures for the project's tests: run the benchmark as a user would, in a subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
collect_ignore = ["data"]  # case folders used as fixtures, not tests


@dataclass
class BenchRun:
    returncode: int
    output: str
    report: dict | None
    out_dir: Path

    def trial(self, agent: str) -> dict:
        found = [t for t in (self.report or {}).get("trials", []) if t["agent"] == agent]
        assert len(found) == 1, f"expected one trial of {agent}, got {len(found)}\n{self.output[-3000:]}"
        return found[0]


@pytest.fixture(scope="session")
def task_python() -> str:
    """The task environment's python (built once per machine and cached)."""
    from pytest_mldevbench import taskenv
    return str(taskenv.task_python())


@pytest.fixture
def bench(tmp_path, task_python):
    """Run `pytest <args>` on cases in a subprocess with the scripted agents; return its report."""
    counter = iter(range(1000))

    def run(*args: str, out: Path | None = None, timeout: float = 2400, env: dict | None = None) -> BenchRun:
        out = out or tmp_path / f"out{next(counter)}"
        report = out / "report.json"
        cmd = [sys.executable, "-m", "pytest", "-p", "tests.cheat_agents", "--mldb-out", str(out),
               "-o", "console_output_style=classic", *args]
        full_env = dict(os.environ, MLDB_TASK_PYTHON=task_python)
        full_env.update(env or {})
        proc = subprocess.run(cmd, cwd=REPO, env=full_env, capture_output=True, text=True, timeout=timeout)
        data = json.loads(report.read_text()) if report.is_file() else None
        return BenchRun(proc.returncode, proc.stdout + proc.stderr, data, out)

    return run
