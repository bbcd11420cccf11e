"""Server-sent events: a byte stream split into events, and the usage figures the events carry."""
from __future__ import annotations

import json
from typing import Any


class EventSplitter:
    """Cuts a byte stream into complete events (text ending in a blank line), whatever the read sizes.

    Line ends are normalised to ``\\n`` (servers built on sse-starlette send ``\\r\\n``); each event is
    returned without its blank line.
    """

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, data: bytes) -> list[bytes]:
        buf = self._buf + data
        if b"\r" in buf:
            buf = buf.replace(b"\r\n", b"\n")  # a lone trailing \r waits for its \n in the buffer
        *events, self._buf = buf.split(b"\n\n")
        return [e for e in events if e.strip()]

    def rest(self) -> list[bytes]:
        """What is left when the stream ends (an event without its blank line)."""
        rest, self._buf = self._buf.strip(), b""
        return [rest] if rest else []


def data_of(event: bytes) -> bytes | None:
    """The payload of an event's ``data:`` lines (joined by newlines), None when it has none."""
    if event.startswith(b"data:") and b"\n" not in event:
        return event[5:].strip()
    lines = [line[5:].strip() for line in event.split(b"\n") if line.startswith(b"data:")]
    return b"\n".join(lines) if lines else None


def loads(data: bytes) -> Any:
    """JSON of an event's payload, None when it is not JSON."""
    try:
        return json.loads(data)
    except ValueError:
        return None


class AnthropicUsage:
    """The latest usage figures of an Anthropic event stream (``message_start``, ``message_delta``),
    the text its deltas carried (for an estimate when it reported none) and its content blocks,
    reassembled (`content`, for the transcript)."""

    def __init__(self) -> None:
        self._events = EventSplitter()
        self.usage: dict[str, int] = {}
        self.text: list[str] = []
        self._blocks: dict[int, dict] = {}

    def content(self) -> list[dict]:
        """The message's content blocks as a complete answer would carry them."""
        out = []
        for _, block in sorted(self._blocks.items()):
            block = dict(block)
            if block.get("type") == "tool_use":
                raw = block.pop("_json", "")
                block["input"] = loads(raw.encode()) if raw else block.get("input") or {}
            out.append(block)
        return out

    def _block(self, obj: dict) -> None:
        kind, index = obj.get("type"), obj.get("index")
        if not isinstance(index, int):
            return
        if kind == "content_block_start" and isinstance(obj.get("content_block"), dict):
            self._blocks[index] = dict(obj["content_block"])
        elif kind == "content_block_delta" and isinstance(obj.get("delta"), dict):
            block, delta = self._blocks.setdefault(index, {"type": "text", "text": ""}), obj["delta"]
            if "text" in delta:
                block["text"] = str(block.get("text") or "") + str(delta["text"])
            elif "partial_json" in delta:
                block["_json"] = block.get("_json", "") + str(delta["partial_json"])
            elif "thinking" in delta:
                block["thinking"] = str(block.get("thinking") or "") + str(delta["thinking"])

    def feed(self, data: bytes) -> None:
        for event in self._events.feed(data):
            payload = data_of(event)
            obj = loads(payload) if payload else None
            if not isinstance(obj, dict):
                continue
            self._block(obj)
            delta = obj.get("delta") if obj.get("type") == "content_block_delta" else None
            if isinstance(delta, dict):
                self.text.append(str(delta.get("text") or delta.get("partial_json") or
                                     delta.get("thinking") or ""))
            usage = (obj.get("message") or {}).get("usage") if obj.get("type") == "message_start" \
                else obj.get("usage")
            for k, v in (usage or {}).items():
                if isinstance(v, int):  # figures are cumulative: keep the largest seen
                    self.usage[k] = max(self.usage.get(k, 0), v)
