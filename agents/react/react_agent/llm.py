"""The agent's only way to a model: litellm's OpenAI client pointed at the meter."""
from __future__ import annotations

import copy
import os
import time
from typing import Any

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # before litellm is imported: stay offline
import litellm  # noqa: E402

litellm.telemetry = False
litellm.suppress_debug_info = True

CACHE_MARK = {"type": "ephemeral"}
RETRYABLE = (litellm.exceptions.APIConnectionError, litellm.exceptions.InternalServerError,
             litellm.exceptions.ServiceUnavailableError, litellm.exceptions.RateLimitError,
             litellm.exceptions.Timeout, litellm.exceptions.BadGatewayError)


class BudgetExhausted(RuntimeError):
    """The meter refused the call: the trial's budget is used up."""


class LLMError(RuntimeError):
    """The model could not be reached or refused the request."""


def wants_cache_marks(model: str) -> bool:
    """Anthropic models cache only marked prompt prefixes; OpenAI and Gemini cache by themselves."""
    return "claude" in model.lower()


def with_cache_marks(messages: list[dict]) -> list[dict]:
    """A copy of `messages` with cache breakpoints on the system prompt and the last two messages."""
    out = copy.deepcopy(messages)
    marked = [i for i, m in enumerate(out) if m["role"] == "system"][:1] + \
        [i for i, m in enumerate(out) if m["role"] in ("user", "tool")][-2:]
    for i in marked:
        content = out[i].get("content")
        if isinstance(content, str) and content:
            out[i]["content"] = [{"type": "text", "text": content, "cache_control": CACHE_MARK}]
        elif isinstance(content, list) and content:
            content[-1] = {**content[-1], "cache_control": CACHE_MARK}
    return out


class LLM:
    """Chat completions with tools through the meter (OpenAI-compatible base URL + trial key)."""

    def __init__(self, model: str, base_url: str, api_key: str, timeout_s: float = 600,
                 retries: int = 3):
        self.model, self.base_url, self.api_key = model, base_url, api_key
        self.timeout_s, self.retries = timeout_s, retries
        self.cache_marks = wants_cache_marks(model)
        self.calls = 0

    def complete(self, messages: list[dict], tools: list[dict]) -> dict[str, Any]:
        """One assistant message (as a dict: content, tool_calls) for `messages`."""
        payload = with_cache_marks(messages) if self.cache_marks else messages
        for attempt in range(self.retries + 1):
            self.calls += 1
            try:
                resp = litellm.completion(
                    model=f"openai/{self.model}", api_base=self.base_url, api_key=self.api_key,
                    messages=payload, tools=tools, timeout=self.timeout_s, max_retries=0)
                return resp.choices[0].message.model_dump(exclude_none=True)
            except Exception as exc:
                if "budget exhausted" in str(exc).lower():  # the meter's refusal (HTTP 403)
                    self.calls -= 1  # refused calls are not steps
                    raise BudgetExhausted(_first_line(exc)) from exc
                if not isinstance(exc, RETRYABLE) or attempt == self.retries:
                    raise LLMError(_first_line(exc)) from exc  # bad request, auth, too long, ...
                time.sleep(min(30, 2 ** attempt))
        raise AssertionError("unreachable")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else repr(exc))[:1000]
