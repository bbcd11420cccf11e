"""AIDE (aideml) behind the mldevbench trial protocol, driven through its Python API.

Run with the python of the agent's own environment (see pytest_mldevbench/agents/aide.py). AIDE searches
over whole-script solutions: `Experiment(data_dir, goal, eval).run(steps)`. Here
- the trial workspace is its data and every script runs with `python` from PATH (the task environment)
  in the workspace, so the files the task asks for are written where they are graded;
- after the search the best solution's script is run once more so the final artifacts are its own, and
  it is saved as artifacts_dir/best_solution.py with AIDE's journal and logs;
- the code, feedback and report models are named `mldb-<model>` (not an OpenAI name, so AIDE uses the
  chat API at OPENAI_BASE_URL): every call goes to the meter, which serves the trial's model.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))

import mldb_trial  # noqa: E402

DEFAULT_SEARCH_STEPS = 10
CALLS_PER_STEP = 2  # each AIDE step asks the code model once and the feedback model once
SCRIPT_TIMEOUT_S = 3600
GOAL_NOTE = ("\n\nHow your script is run: with the current directory set to the task workspace {ws} "
             "(the task's files are there). Write every file the task asks for relative to that "
             "directory, not under ./input or ./working.")


class WorkspaceInterpreter:
    """AIDE's interpreter interface, running each script as `python <file>` in the workspace."""

    def __init__(self, workspace: Path, scripts: Path, timeout: float):
        self.workspace, self.scripts, self.timeout = workspace, scripts, timeout
        self.count = 0

    def run(self, code: str, reset_session: bool = True):
        from aide.interpreter import ExecutionResult
        self.count += 1
        script = self.scripts / f"step_{self.count:03d}.py"
        script.write_text(code)
        start = time.monotonic()
        try:
            proc = subprocess.run(["python", str(script)], cwd=self.workspace, capture_output=True,
                                  text=True, errors="replace", timeout=self.timeout)
            out, exc_type = proc.stdout + proc.stderr, None if proc.returncode == 0 else "ScriptError"
            if proc.returncode != 0:
                out += f"\nprocess exited with status {proc.returncode}"
        except subprocess.TimeoutExpired as exc:
            out, exc_type = (exc.stdout or "") if isinstance(exc.stdout, str) else "", "TimeoutError"
            out += f"\nTimeoutError: the script ran longer than {self.timeout:.0f}s"
        seconds = time.monotonic() - start
        return ExecutionResult(term_out=[out, f"Execution time: {seconds:.1f} seconds"], exec_time=seconds,
                               exc_type=exc_type, exc_info={} if exc_type else None, exc_stack=None)

    def cleanup_session(self) -> None:
        pass


def run(trial: mldb_trial.Trial) -> tuple[str, str, int]:
    trial.require_model("aide")
    os.environ["OPENAI_BASE_URL"] = trial.openai_base_url
    os.environ["OPENAI_API_KEY"] = trial.api_key
    home = trial.artifacts / "aide"
    home.mkdir(parents=True, exist_ok=True)
    os.chdir(home)  # AIDE puts its logs/ and workspaces/ under the current directory

    from aide import Experiment

    # limits.max_steps caps model calls (the meter refuses the one after): fit the search steps to it
    steps = max(1, trial.max_steps // CALLS_PER_STEP) if trial.max_steps else DEFAULT_SEARCH_STEPS
    goal = trial.prompt + GOAL_NOTE.format(ws=trial.workspace)
    exp = Experiment(data_dir=str(trial.workspace), goal=goal, eval=None)
    name = "mldb-" + trial.model.replace("/", "-")
    exp.cfg.agent.code.model = exp.cfg.agent.feedback.model = exp.cfg.report.model = name
    scripts = home / "scripts"
    scripts.mkdir(exist_ok=True)
    exp.interpreter = WorkspaceInterpreter(trial.workspace, scripts, trial.wall_time_s or SCRIPT_TIMEOUT_S)
    solution = exp.run(steps=steps)
    (trial.artifacts / "best_solution.py").write_text(solution.code)
    final = exp.interpreter.run(solution.code)  # the best script's own artifacts are the final ones
    status = "completed" if final.exc_type is None else "error"
    message = f"best solution (validation metric {solution.valid_metric}); final run: {final.exc_type or 'ok'}"
    return status, message, steps


def main(argv: list[str] | None = None) -> int:
    return mldb_trial.drive(run, "aide", argv)


if __name__ == "__main__":
    sys.exit(main())
