"""AgentSpec of mini-swe-agent (driver in agents/mini_swe_agent/, its own cached environment)."""
from __future__ import annotations

from pathlib import Path

from .agentenv import AgentEnv, python_agent

REQUIREMENTS = Path(__file__).resolve().parents[2] / "agents" / "mini_swe_agent" / "requirements.txt"


def spec():
    """The `mini-swe-agent` agent (entry point `mldevbench.agents`)."""
    return python_agent(
        "mini-swe-agent", "mini_swe_agent", AgentEnv("mini-swe-agent", REQUIREMENTS),
        "mini-swe-agent 2 (DefaultAgent + LocalEnvironment, one bash tool) in the workspace",
        extra_env={"MSWEA_CONFIGURED": "true", "MSWEA_COST_TRACKING": "ignore_errors",
                   "LITELLM_LOCAL_MODEL_COST_MAP": "True"}, package="mini-swe-agent")
