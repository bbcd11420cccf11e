"""AgentSpec of the ReAct agent (program in agents/react/, run with the harness python)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from .spec import AgentContext, AgentSetupError, AgentSpec


def _agent_dir(ctx: AgentContext) -> Path:
    return ctx.repo_root / "agents" / "react"


def _command(ctx: AgentContext) -> list[str]:
    return [str(ctx.harness_python), str(_agent_dir(ctx) / "main.py")]


def _setup() -> None:
    if importlib.util.find_spec("litellm") is None:
        raise AgentSetupError("the react agent needs litellm in the harness environment: "
                              "pip install 'litellm[mcp]'")


def spec() -> AgentSpec:
    """The `react` agent (entry point `mldevbench.agents`)."""
    return AgentSpec(
        name="react",
        command=_command,
        uses_model=True,
        description="tool-calling ReAct loop on litellm (shell, background jobs, file edits)",
        ro_paths=lambda ctx: [_agent_dir(ctx)],
        setup=_setup,
    )
