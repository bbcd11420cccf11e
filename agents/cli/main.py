"""Any command-line agent behind the mldevbench trial protocol, from a command template.

The template comes from `--agent-cmd` (passed in $MLDB_AGENT_CMD). Placeholders, each replaced by a
shell-quoted value: {prompt_file}, {prompt}, {workspace}, {model}, {artifacts_dir}, {trial_json}.
The command runs with bash in the workspace; the meter's OpenAI and Anthropic base URLs and the
per-trial key are already in its environment (OPENAI_BASE_URL, OPENAI_API_KEY, ANTHROPIC_BASE_URL,
ANTHROPIC_API_KEY). Its output goes to the agent log and to artifacts_dir/cli_output.log.
"""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))

import mldb_trial  # noqa: E402

PLACEHOLDERS = ("prompt_file", "prompt", "workspace", "model", "artifacts_dir", "trial_json")


def render(template: str, trial: mldb_trial.Trial) -> str:
    """Fill the template's placeholders with shell-quoted values (unknown {names} are an error)."""
    values = {"prompt_file": trial.data.get("prompt_file") or "", "prompt": trial.prompt,
              "workspace": str(trial.workspace), "model": trial.model or "",
              "artifacts_dir": str(trial.artifacts), "trial_json": os.environ.get("MLDB_TRIAL_JSON", "")}
    try:
        return template.format_map({k: shlex.quote(values[k]) for k in PLACEHOLDERS})
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"--agent-cmd: bad placeholder {exc} (known: "
                         + ", ".join("{" + k + "}" for k in PLACEHOLDERS) + "; write {{ }} for braces)") from None


def run(trial: mldb_trial.Trial, template: str) -> tuple[str, str]:
    command = render(template, trial)
    log = trial.artifacts / "cli_output.log"
    with open(log, "w") as out:
        out.write(f"$ {command}\n")
        out.flush()
        proc = subprocess.Popen(["bash", "-c", command], cwd=trial.workspace, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, errors="replace")
        tail: list[str] = []
        try:
            for line in proc.stdout:
                sys.stdout.write(line)
                out.write(line)
                tail = (tail + [line])[-20:]
            code = proc.wait()
        except mldb_trial.Terminated:
            proc.terminate()
            proc.wait()
            raise
    final = "".join(tail).strip()[-2000:]
    return ("completed" if code == 0 else f"exit {code}"), final


def main() -> int:
    trial = mldb_trial.load()
    template = os.environ.get("MLDB_AGENT_CMD", "")
    status, message = "error", ""
    try:
        if not template:
            raise ValueError("no command: give --agent-cmd='your-agent {prompt_file}'")
        status, message = run(trial, template)
    except mldb_trial.Terminated:
        status, message = "terminated", "stopped by the harness"
    except Exception as exc:
        status, message = "error", f"{type(exc).__name__}: {exc}"
    finally:
        trial.finish(status, message, 0)  # steps: the meter counts the model calls
    return 0 if status == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
