"""Run the ReAct agent program as the harness would: a subprocess reading trial.json."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REACT_DIR = REPO / "agents" / "react"
REACT_MAIN = REACT_DIR / "main.py"


def import_react():
    """The agent's package, imported into this process (for in-process runs and unit tests)."""
    if str(REACT_DIR) not in sys.path:
        sys.path.insert(0, str(REACT_DIR))
    import react_agent.cli

    return react_agent


def write_trial(tmp: Path, meter, key: str, model: str, prompt: str, **limits) -> Path:
    """A trial.json per docs/case-format.md; returns its path (workspace = tmp/workspace)."""
    workspace, artifacts = tmp / "workspace", tmp / "artifacts"
    workspace.mkdir(exist_ok=True)
    artifacts.mkdir(exist_ok=True)
    trial = {"schema": 1, "task_id": "hello_world", "trial_id": "react-test-1", "prompt": prompt,
             "prompt_file": None, "workspace": str(workspace), "model": model,
             "llm": {"openai_base_url": meter.openai_base_url,
                     "anthropic_base_url": meter.anthropic_base_url, "api_key": key},
             "limits": {"max_steps": 50, "wall_time_s": 300, "max_cost_usd": None, **limits},
             "result_file": str(artifacts / "agent_result.json"), "artifacts_dir": str(artifacts)}
    path = tmp / "trial.json"
    path.write_text(json.dumps(trial))
    return path


def react_popen(trial_json: Path) -> subprocess.Popen:
    env = {**os.environ, "MLDB_TRIAL_JSON": str(trial_json),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.Popen([sys.executable, str(REACT_MAIN)], cwd=trial_json.parent / "workspace",
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _result(trial_json: Path) -> dict:
    return json.loads(Path(json.loads(trial_json.read_text())["result_file"]).read_text())


def run_react(trial_json: Path, timeout: float = 180) -> tuple[int, dict, str]:
    """Run the agent program as a subprocess: (exit code, agent_result.json, combined output)."""
    proc = react_popen(trial_json)
    out, _ = proc.communicate(timeout=timeout)
    return proc.returncode, _result(trial_json), out


def run_react_here(trial_json: Path) -> tuple[int, dict]:
    """Run the agent's main() in this process (no litellm import per run): (exit code, result)."""
    code = import_react().cli.main(["--trial-json", str(trial_json)])
    return code, _result(trial_json)
