"""The ReAct loop: ask the model, run the tools it calls, feed back the results, until it stops."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .llm import LLM, BudgetExhausted, LLMError
from .tools import SCHEMAS, Toolbox


@dataclass
class Result:
    status: str          # completed | max_steps | budget_exhausted | timeout | llm_error
    final_message: str
    steps: int


class Trajectory:
    """Appends one JSON line per event to a file, flushed at once (survives a kill)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("a", encoding="utf-8")

    def log(self, **event: Any) -> None:
        self._fh.write(json.dumps({"t": round(time.time(), 3), **event}) + "\n")
        self._fh.flush()


def run_loop(llm: LLM, tools: Toolbox, system: str, prompt: str, max_steps: int,
             trajectory: Trajectory, deadline: float | None = None) -> Result:
    """Drive the model for at most `max_steps` model calls."""
    messages: list[dict] = [{"role": "system", "content": system},
                            {"role": "user", "content": prompt}]
    last_text = ""
    for step in range(1, max_steps + 1):
        if deadline is not None and time.time() >= deadline:
            return Result("timeout", last_text or "ran out of wall time", step - 1)
        try:
            reply = llm.complete(messages, SCHEMAS)
        except BudgetExhausted as exc:
            trajectory.log(step=step, event="budget_exhausted", error=str(exc))
            return Result("budget_exhausted", last_text or str(exc), step - 1)
        except LLMError as exc:
            trajectory.log(step=step, event="llm_error", error=str(exc))
            return Result("llm_error", str(exc), step - 1)
        calls = reply.get("tool_calls") or []
        text = reply.get("content") or ""
        last_text = text or last_text
        messages.append({"role": "assistant", "content": text or None,
                         **({"tool_calls": calls} if calls else {})})
        trajectory.log(step=step, event="assistant", content=text, tool_calls=calls)
        if not calls:
            return Result("completed", text, step)
        final = None
        for call in calls:
            name, args = call["function"]["name"], call["function"].get("arguments") or "{}"
            if name == "finish":
                final = _finish_message(args)
                output = "finishing"
            else:
                output = tools.call(name, args)
            left = max_steps - step
            if left <= 3 and final is None:
                output += f"\n[note: {left} model call(s) left; wrap up and call finish]"
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": output})
            trajectory.log(step=step, event="tool", name=name, arguments=args, output=output)
        if final is not None:
            return Result("completed", final, step)
    return Result("max_steps", last_text or f"stopped after {max_steps} model calls", max_steps)


def _finish_message(arguments: str | dict) -> str:
    try:
        args = json.loads(arguments) if isinstance(arguments, str) else arguments
        return str(args.get("message", ""))
    except (ValueError, AttributeError):
        return str(arguments)
