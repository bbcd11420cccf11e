"""A cheat: a tiny scripted agent (no LLM) that tries one trick on one task and must fail."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cheat:
    name: str          # short, [a-z0-9-]; the agent is registered as "cheat-<task_id>-<name>"
    script: str        # run in the sandbox with cwd = the workspace
    lang: str = "bash"  # "bash" or "python" (the task environment's python)
    why: str = ""      # which validation check must catch it
