"""AgentSpec: how the harness starts one agent (a command behind the trial.json protocol)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class AgentContext:
    """What an agent's command builder may use."""

    trial_json: Path          # the trial.json the agent reads (also in $MLDB_TRIAL_JSON)
    workspace: Path           # cwd of the agent
    task_python: Path         # python of the task environment
    harness_python: Path      # python of the harness environment (has litellm)
    artifacts_dir: Path       # where the agent may save its trajectory/logs
    solution_dir: Path | None  # staged solution/ (oracle only)
    repo_root: Path           # the project checkout (hidden from the sandbox unless exposed)
    agent_cmd: str | None = None  # --agent-cmd (the `cli` agent's command template)


@dataclass(frozen=True)
class AgentSpec:
    """One agent. `command` returns the argv run in the sandbox with cwd = workspace."""

    name: str
    command: Callable[[AgentContext], list[str]]
    uses_model: bool = False
    description: str = ""
    # paths the sandbox exposes read-only for this agent (its code, its own environment)
    ro_paths: Callable[[AgentContext], list[Path]] = field(default=lambda ctx: [])
    # extra environment for the agent process
    env: Callable[[AgentContext], dict[str, str]] = field(default=lambda ctx: {})
    # called once per process before the first trial of this agent (build its environment);
    # raise AgentSetupError with a one-line message when it cannot be made ready
    setup: Callable[[], None] | None = None
    needs_solution: bool = False
    # the agent's version for the record (trajectory.json's agent.version); "" = the version of the
    # distribution whose entry point registered it, else "unknown"
    version: str = ""


class AgentSetupError(RuntimeError):
    """The agent's environment cannot be made ready (one-line message)."""
