"""A trial's transcript: per forwarded call, the messages new since the previous call and the reply.

The meter sees every call an agent makes, whatever the agent, so this is the harness's own record of what
the agent said and did (the trajectory, `pytest_mldevbench/trajectory.py`, is built from it and the
ledger). Each call's request is compared with the previous call's: only the messages after the common
prefix are written (tool results arrive there, as the next call's messages), and the assistant message
that repeats the previous reply is left out. An agent that rewrote its history (summarised, trimmed) has
its whole request written again, marked `reset`.

Every line is redacted (deployment keys, `*_API_KEY` values, the trial's own meter key, common key
shapes) and texts are capped per field; past `max_bytes` a call's content is left out and the line says
so (`omitted`).
"""
from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

from .models import redact

MAX_TEXT = 32_000            # characters kept of one message text, tool arguments or tool result
MAX_BYTES = 8 * 1024 * 1024  # a trial's transcript; past it, calls are recorded without content

#: shapes of credentials an agent may print into its context (env dumps, config files): replaced by ***
KEY_SHAPES = re.compile(
    r"\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}|hf_[A-Za-z0-9]{20,}|gh[pousr]_[A-Za-z0-9]{20,}"
    r"|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{30,}"
    r"|mldb-[A-Za-z0-9_-]{24,})")


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """`text` cut to `limit` characters, with a marker saying how much was left out."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[... {len(text) - limit} characters not recorded: mldevbench size cap]"


def scrub(text: str, extra: tuple[str, ...] = ()) -> str:
    """`text` with known secrets (the meter's `redact`, `extra`) and key-shaped strings replaced by ***."""
    text = redact(text)
    for secret in extra:
        if secret:
            text = text.replace(secret, "***")
    return KEY_SHAPES.sub("***", text)


# -- messages in one normal form: {"role", "text", "tool_calls": [{id, name, arguments}], "tool_call_id"} --------
def _text(content: Any) -> str:
    """Text of an OpenAI or Anthropic content value (a string or a list of parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                kind = part.get("type")
                if kind in ("text", "input_text", "output_text"):
                    parts.append(str(part.get("text") or ""))
                elif kind in ("image", "image_url", "input_image"):
                    parts.append("[image]")
                elif kind == "tool_result":
                    parts.append(_text(part.get("content")))
                elif kind not in ("tool_use", "thinking", "redacted_thinking"):
                    parts.append(json.dumps(part, default=str))
        return "\n".join(p for p in parts if p)
    return json.dumps(content, default=str)


def _arguments(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _msg(role: str, text: str = "", tool_calls: list | None = None, tool_call_id: str | None = None,
         reasoning: str = "") -> dict:
    out: dict[str, Any] = {"role": role, "text": clip(text)}
    if tool_calls:
        out["tool_calls"] = [{**tc, "arguments": clip(tc["arguments"])} for tc in tool_calls]
    if tool_call_id is not None:
        out["tool_call_id"] = str(tool_call_id)
    if reasoning:
        out["reasoning"] = clip(reasoning)
    return out


def openai_message(m: Any) -> list[dict]:
    """An OpenAI chat message in normal form."""
    if not isinstance(m, dict):
        return [_msg("user", _text(m))]
    role = str(m.get("role") or "user")
    if role == "developer":
        role = "system"
    if role in ("tool", "function"):
        return [_msg("tool", _text(m.get("content")), tool_call_id=m.get("tool_call_id") or m.get("name") or "")]
    calls = []
    for i, tc in enumerate(m.get("tool_calls") or []):
        fn = (tc.get("function") or {}) if isinstance(tc, dict) else {}
        calls.append({"id": str(tc.get("id") or f"call_{i}") if isinstance(tc, dict) else f"call_{i}",
                      "name": str(fn.get("name") or ""), "arguments": _arguments(fn.get("arguments") or "")})
    if isinstance(m.get("function_call"), dict):
        fc = m["function_call"]
        calls.append({"id": "function_call", "name": str(fc.get("name") or ""),
                      "arguments": _arguments(fc.get("arguments") or "")})
    return [_msg(role, _text(m.get("content")), calls,
                 reasoning=str(m.get("reasoning_content") or m.get("reasoning") or ""))]


def anthropic_message(m: Any) -> list[dict]:
    """An Anthropic message in normal form: its tool_result blocks become tool messages."""
    if not isinstance(m, dict):
        return [_msg("user", _text(m))]
    role, content = str(m.get("role") or "user"), m.get("content")
    if not isinstance(content, list):
        return [_msg(role, _text(content))]
    out, texts, calls, thinking = [], [], [], []
    for block in content:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "tool_result":
            out.append(_msg("tool", _text(block.get("content")), tool_call_id=block.get("tool_use_id") or ""))
        elif kind == "tool_use":
            calls.append({"id": str(block.get("id") or ""), "name": str(block.get("name") or ""),
                          "arguments": _arguments(block.get("input") or {})})
        elif kind == "thinking":
            thinking.append(str(block.get("thinking") or ""))
        else:
            texts.append(_text([block]))
    if texts or calls or thinking or not out:
        out.append(_msg(role, "\n".join(t for t in texts if t), calls, reasoning="\n".join(thinking)))
    return out


def request_messages(api: str, body: dict) -> list:
    """The raw messages of a request, in order (Anthropic's `system` first)."""
    messages = list(body.get("messages") or [])
    if api == "messages" and body.get("system"):
        messages.insert(0, {"role": "system", "content": body["system"]})
    return messages


def normal(api: str, raw: list) -> list[dict]:
    convert = anthropic_message if api == "messages" else openai_message
    return [n for m in raw for n in convert(m)]


def tool_definitions(api: str, tools: Any) -> list[dict]:
    """Tool definitions in OpenAI's function shape (ATIF's `tool_definitions`)."""
    out = []
    for t in tools if isinstance(tools, list) else []:
        if not isinstance(t, dict):
            continue
        if api == "messages" and "name" in t:
            t = {"type": "function", "function": {"name": t.get("name"), "description": t.get("description"),
                                                  "parameters": t.get("input_schema")}}
        out.append(t)
    return out


# -- replies in normal form ---------------------------------------------------------------------------------------
def chat_reply(data: Any) -> dict | None:
    """The reply of a complete OpenAI chat completion."""
    choices = data.get("choices") if isinstance(data, dict) else None
    if not choices or not isinstance(choices[0], dict):
        return None
    return openai_message({**(choices[0].get("message") or {}), "role": "assistant"})[0]


def chat_chunks_reply(chunks: list[dict]) -> dict | None:
    """The reply of an OpenAI chat-completion stream, reassembled from its chunks' deltas."""
    text, reasoning, calls = [], [], {}
    for chunk in chunks:
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            text.append(str(delta.get("content") or ""))
            reasoning.append(str(delta.get("reasoning_content") or delta.get("reasoning") or ""))
            for tc in delta.get("tool_calls") or []:
                slot = calls.setdefault(tc.get("index", len(calls)), {"id": "", "name": "", "arguments": ""})
                fn = tc.get("function") or {}
                slot["id"] = tc.get("id") or slot["id"]
                slot["name"] = fn.get("name") or slot["name"]
                slot["arguments"] += fn.get("arguments") or ""
    if not chunks:
        return None
    tool_calls = [{**c, "id": c["id"] or f"call_{i}"} for i, c in sorted(calls.items())]
    return _msg("assistant", "".join(text), tool_calls, reasoning="".join(reasoning))


def anthropic_reply(content: Any) -> dict:
    """The reply of an Anthropic message (its content blocks)."""
    return anthropic_message({"role": "assistant", "content": content if isinstance(content, list) else []})[-1]


class Transcript:
    """The JSONL transcript of one trial (see the module docstring); written from the meter's loop."""

    def __init__(self, path: Path, secrets: tuple[str, ...] = (), max_bytes: int = MAX_BYTES):
        self.path = Path(path)
        self.secrets, self.max_bytes = secrets, max_bytes
        self._fh = self.path.open("w", encoding="utf-8")
        self._lock = threading.Lock()
        self._prev: list | None = None
        self._had_reply = False
        self._tools: Any = None
        self.bytes = 0

    def record(self, seq: int, api: str, started: float, body: dict | None, reply: dict | None,
               status: str) -> None:
        body = body if isinstance(body, dict) else {}
        raw = request_messages(api, body)
        prev, self._prev = self._prev, raw
        line: dict[str, Any] = {"seq": seq, "api": api, "ts": round(started, 6), "status": status}
        if prev is not None and raw[:len(prev)] == prev:
            new = normal(api, raw[len(prev):])
            if self._had_reply and new and new[0]["role"] == "assistant":
                new = new[1:]  # the previous reply, repeated back
        else:
            new = normal(api, raw)
            line["reset"] = prev is not None
        self._had_reply = reply is not None
        line["new"] = new
        tools = body.get("tools")
        if tools != self._tools:
            self._tools = tools
            line["tools"] = tool_definitions(api, tools)
        if reply is not None:
            line["reply"] = reply
        if self.bytes >= self.max_bytes:
            line = {"seq": seq, "api": api, "ts": line["ts"], "status": status, "omitted": True}
        text = scrub(json.dumps(line, separators=(",", ":"), default=str), self.secrets) + "\n"
        if self.bytes + len(text) > self.max_bytes and "omitted" not in line:
            line = {"seq": seq, "api": api, "ts": line["ts"], "status": status, "omitted": True}
            text = json.dumps(line, separators=(",", ":")) + "\n"
        self.bytes += len(text)
        with self._lock:
            if not self._fh.closed:
                self._fh.write(text)
                self._fh.flush()

    def close(self) -> None:
        with self._lock:
            self._fh.close()
