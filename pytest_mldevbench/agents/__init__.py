"""Agents: commands behind the trial.json protocol, found through entry points and a pytest hook."""
from .spec import AgentContext, AgentSetupError, AgentSpec

__all__ = ["AgentContext", "AgentSetupError", "AgentSpec"]
