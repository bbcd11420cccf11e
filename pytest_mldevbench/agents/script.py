"""A scripted agent: a fixed bash or Python script, no LLM (used for cheats and smoke checks)."""
from __future__ import annotations

from .spec import AgentSpec


def script_agent(name: str, script: str, lang: str = "bash", description: str = "") -> AgentSpec:
    if lang not in ("bash", "python"):
        raise ValueError(f"script agent {name!r}: lang must be 'bash' or 'python'")
    if lang == "bash":
        command = lambda ctx: ["bash", "-c", script]  # noqa: E731
    else:
        command = lambda ctx: [str(ctx.task_python), "-c", script]  # noqa: E731
    return AgentSpec(name=name, command=command, description=description or f"scripted ({lang})")
