"""AgentSpec of OpenHands (openhands-sdk; driver in agents/openhands/, its own Python 3.12+ environment)."""
from __future__ import annotations

from pathlib import Path

from .agentenv import AgentEnv, python_agent

REQUIREMENTS = Path(__file__).resolve().parents[2] / "agents" / "openhands" / "requirements.txt"


def spec():
    """The `openhands` agent (entry point `mldevbench.agents`)."""
    return python_agent(
        "openhands", "openhands", AgentEnv("openhands", REQUIREMENTS, minimum=(3, 12)),
        "OpenHands agent (openhands-sdk) with terminal and file-editor tools, headless",
        extra_env={"LITELLM_LOCAL_MODEL_COST_MAP": "True", "OPENHANDS_SUPPRESS_BANNER": "1"},
        package="openhands-sdk")
