"""Event streams cut at any byte: events, usage and what the client gets are the same."""
from __future__ import annotations

import json
import random

import pytest

from pytest_mldevbench.meter.relay import ChatEvents
from pytest_mldevbench.meter.sse import AnthropicUsage, EventSplitter


def _chunk(delta: dict, usage: dict | None = None, choices: bool = True) -> dict:
    out = {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta}] if choices else []}
    if usage is not None:
        out["usage"] = usage
    return out


CHUNKS = [_chunk({"role": "assistant", "content": ""}), _chunk({"content": "Hello"}), _chunk({"content": " there"}),
          _chunk({}, choices=False, usage={"prompt_tokens": 209, "completion_tokens": 12})]


def _stream(line_end: bytes) -> bytes:
    events = [b"data: " + json.dumps(c).encode() for c in CHUNKS] + [b": keep-alive", b"data: [DONE]"]
    return b"".join(e + line_end + line_end for e in events)


def _pieces(data: bytes, seed: int) -> list[bytes]:
    rng, out, i = random.Random(seed), [], 0
    while i < len(data):
        n = rng.randint(1, 40)
        out.append(data[i:i + n])
        i += n
    return out


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("seed", range(5))
def test_events_survive_any_cut(line_end, seed):
    splitter = EventSplitter()
    events = [e for p in _pieces(_stream(line_end), seed) for e in splitter.feed(p)] + splitter.rest()
    assert events[-2:] == [b": keep-alive", b"data: [DONE]"]
    assert [json.loads(e[6:]) for e in events[:-2]] == CHUNKS


@pytest.mark.parametrize("want_usage", [True, False])
@pytest.mark.parametrize("seed", range(3))
def test_chat_events_keep_usage_and_hold_back_done(want_usage, seed):
    events = ChatEvents(want_usage)
    sent = b"".join(events.feed(p) for p in _pieces(_stream(b"\r\n"), seed)) + events.end()
    assert events.usage == {"prompt_tokens": 209, "completion_tokens": 12}
    assert b"[DONE]" not in sent  # the meter sends it once the call is recorded
    got = [json.loads(e[6:]) for e in sent.split(b"\n\n") if e.startswith(b"data: ")]
    assert got == (CHUNKS if want_usage else CHUNKS[:-1])
    assert b": keep-alive" in sent
    assert [c["choices"][0]["delta"].get("content") for c in events.parsed_chunks()[:3]] == ["", "Hello", " there"]


def test_anthropic_usage_takes_the_largest_cumulative_figures_and_the_text():
    parser = AnthropicUsage()
    events = [("message_start", {"type": "message_start", "message": {"usage": {"input_tokens": 50,
                                                                                 "output_tokens": 1}}}),
              ("content_block_delta", {"type": "content_block_delta", "delta": {"type": "text_delta",
                                                                                "text": "Hi"}}),
              ("message_delta", {"type": "message_delta", "usage": {"output_tokens": 30}})]
    data = b"".join(f"event: {name}\ndata: {json.dumps(body)}\n\n".encode() for name, body in events)
    for piece in _pieces(data, 1):
        parser.feed(piece)
    assert parser.usage == {"input_tokens": 50, "output_tokens": 30} and parser.text == ["Hi"]
