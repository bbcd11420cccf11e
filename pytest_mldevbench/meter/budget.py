"""Per-trial limits and the running totals they are checked against."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """A trial's budget; None means unlimited. `max_steps` counts LLM calls."""

    max_cost_usd: float | None = None
    max_tokens: int | None = None
    max_steps: int | None = None


@dataclass
class Totals:
    """What a trial has used so far (calls counted when they start, tokens when they end)."""

    calls_started: int = 0
    tokens: int = 0
    cost_usd: float = 0.0


def refusal(limits: Limits, totals: Totals) -> tuple[str, str] | None:
    """(budget name, message for the agent) when the next call must be refused, else None.

    A call that crosses a cost or token limit is answered; the one after it is refused.
    """
    if limits.max_steps is not None and totals.calls_started >= limits.max_steps:
        return "max_steps", (f"step limit reached: {totals.calls_started} of {limits.max_steps} "
                             "LLM calls used")
    if limits.max_tokens is not None and totals.tokens >= limits.max_tokens:
        return "max_tokens", f"token budget reached: {totals.tokens} of {limits.max_tokens} tokens used"
    if limits.max_cost_usd is not None and totals.cost_usd >= limits.max_cost_usd:
        return "max_cost_usd", (f"cost budget reached: ${totals.cost_usd:.4f} of "
                                f"${limits.max_cost_usd:.4f} spent")
    return None
