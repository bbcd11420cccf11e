"""Command line of the ReAct agent: read trial.json, work in the workspace, write agent_result.json."""
from __future__ import annotations

import argparse
import json
import os
import signal
import time
from pathlib import Path

from .llm import LLM
from .loop import Result, Trajectory, run_loop
from .prompts import SYSTEM
from .tools import Toolbox

DEFAULT_MAX_STEPS = 50


class Terminated(BaseException):
    """SIGTERM from the harness: stop, but still write the result."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="ReAct agent (mldevbench protocol)")
    ap.add_argument("--trial-json", type=Path, default=os.environ.get("MLDB_TRIAL_JSON"))
    ap.add_argument("--max-steps", type=int, default=None)
    args = ap.parse_args(argv)
    if not args.trial_json:
        ap.error("no trial.json: pass --trial-json or set MLDB_TRIAL_JSON")
    trial = json.loads(Path(args.trial_json).read_text())
    workspace = Path(trial["workspace"])
    artifacts = Path(trial.get("artifacts_dir") or workspace.parent / "react-artifacts")
    result_file = Path(trial.get("result_file") or artifacts / "agent_result.json")
    limits = trial.get("limits") or {}
    max_steps = args.max_steps or limits.get("max_steps") or DEFAULT_MAX_STEPS
    deadline = time.time() + limits["wall_time_s"] if limits.get("wall_time_s") else None
    llm_cfg = trial.get("llm") or {}

    previous_handler = signal.signal(signal.SIGTERM, _on_sigterm)
    trajectory = Trajectory(artifacts / "trajectory.jsonl")
    tools = Toolbox(workspace, artifacts / "outputs", deadline=deadline)
    result, llm = Result("error", "", 0), None
    try:
        if not trial.get("model") or not llm_cfg.get("openai_base_url"):
            raise ValueError("trial.json has no model or meter URL: the react agent needs a model")
        llm = LLM(trial["model"], llm_cfg["openai_base_url"], llm_cfg.get("api_key") or "none")
        prompt = trial.get("prompt") or Path(trial["prompt_file"]).read_text()
        system = SYSTEM.format(workspace=workspace, max_steps=max_steps)
        trajectory.log(event="start", model=trial["model"], max_steps=max_steps,
                       system=system, prompt=prompt)
        result = run_loop(llm, tools, system, prompt, max_steps, trajectory, deadline)
    except Terminated:
        result = Result("terminated", "stopped by the harness", 0)
    except Exception as exc:  # report, don't hide: the harness reads the status
        result = Result("error", f"{type(exc).__name__}: {exc}", 0)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second TERM must not lose the result
        tools.cleanup()
        result.steps = llm.calls if llm is not None else 0
        trajectory.log(event="end", status=result.status, final_message=result.final_message,
                       steps=result.steps)
        result_file.parent.mkdir(parents=True, exist_ok=True)
        result_file.write_text(json.dumps({"status": result.status,
                                           "final_message": result.final_message,
                                           "steps": result.steps}, indent=2))
        signal.signal(signal.SIGTERM, previous_handler)
    return 0 if result.status == "completed" else 1
