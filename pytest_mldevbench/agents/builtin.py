"""Agents that need no LLM: `oracle` runs the task's reference solution, `null` does nothing."""
from __future__ import annotations

from .spec import AgentSpec

oracle = AgentSpec(
    name="oracle",
    description="runs the task's solution/solve.sh (proves the task is solvable)",
    command=lambda ctx: ["bash", str(ctx.solution_dir / "solve.sh")],
    needs_solution=True,
)

null = AgentSpec(
    name="null",
    description="does nothing (every task must fail)",
    command=lambda ctx: ["true"],
)
