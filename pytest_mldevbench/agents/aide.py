"""AgentSpec of AIDE (aideml; driver in agents/aide/, its own cached environment)."""
from __future__ import annotations

from pathlib import Path

from .agentenv import AgentEnv, python_agent

FOLDER = Path(__file__).resolve().parents[2] / "agents" / "aide"


def spec():
    """The `aide` agent (entry point `mldevbench.agents`)."""
    env = AgentEnv("aide", FOLDER / "requirements.txt", no_deps=FOLDER / "no-deps.txt")
    return python_agent("aide", "aide", env,
                        "AIDE (aideml) tree search over whole scripts, run with the task environment",
                        package="aideml")
