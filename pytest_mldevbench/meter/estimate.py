"""Token estimates for a call whose backend reported no usage: the model's tokenizer, offline.

litellm's `token_counter` picks the model's tokenizer from the files it ships (tiktoken encodings, the
Anthropic and DeepSeek tokenizers; never a download: `_litellm` sets offline mode) and falls back to
tiktoken's default encoding. An estimate is flagged (`usage_estimated`) wherever it is recorded, and
counts toward the trial's budget like reported usage.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

from ._litellm import litellm
from .calls import TokenCounts


def _count(model: str, **what: Any) -> int:
    try:
        return int(litellm().token_counter(model=model, **what))
    except Exception:  # a message shape the counter does not know: count its text
        text = what.get("text") or json.dumps(what.get("messages"), default=str)
        return int(litellm().token_counter(model=model, text=text, count_response_tokens=True))


def estimate(model: str, request: dict, reply_text: str, chat_shape: bool = True) -> TokenCounts:
    """Prompt tokens of `request` (an OpenAI chat body, else an Anthropic messages body) and completion
    tokens of the reply's text (content and tool calls)."""
    if chat_shape:
        prompt = _count(model, messages=request.get("messages") or [], tools=request.get("tools") or None)
    else:
        parts = [request.get("system"), request.get("messages"), request.get("tools")]
        prompt = _count(model, text=json.dumps([p for p in parts if p], default=str),
                        count_response_tokens=True)
    completion = _count(model, text=reply_text, count_response_tokens=True) if reply_text else 0
    return TokenCounts(prompt=prompt, completion=completion, estimated=True)


def _tool_text(calls: Iterable[dict]) -> list[str]:
    out = []
    for call in calls or []:
        fn = call.get("function") if isinstance(call, dict) else None
        if isinstance(fn, dict):
            out += [str(fn.get("name") or ""), str(fn.get("arguments") or "")]
    return out


def chat_reply_text(response: dict) -> str:
    """The text a non-streamed chat completion generated: contents and tool calls of every choice."""
    parts: list[str] = []
    for choice in response.get("choices") or []:
        message = (choice or {}).get("message") or {}
        parts += [str(message.get("content") or ""), *_tool_text(message.get("tool_calls"))]
    return "".join(parts)


def chunks_reply_text(chunks: Iterable[dict]) -> str:
    """The text a streamed chat completion generated, from its chunks' deltas."""
    parts: list[str] = []
    for chunk in chunks:
        for choice in chunk.get("choices") or []:
            delta = (choice or {}).get("delta") or {}
            parts += [str(delta.get("content") or ""), *_tool_text(delta.get("tool_calls"))]
    return "".join(parts)
