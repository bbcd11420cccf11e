"""The meter's Anthropic /v1/messages shape, and an Anthropic backend with prompt caching."""
from __future__ import annotations

import json

import httpx
import openai
import pytest

from tests.meter.conftest import expected_cost
from tests.scripted_llm import text_reply, tool_reply

RUN_TOOL = {"name": "run", "description": "run a command",
            "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}}}


def _post(meter, key, body, **kw):
    return httpx.post(f"{meter.anthropic_base_url}/v1/messages", json=body,
                      headers={"x-api-key": key, "anthropic-version": "2023-06-01"}, **kw)


def test_messages_shape_tool_use_and_text(metered, tmp_path):
    model = "openai/scripted"
    script = [tool_reply("run", {"command": "ls"}, prompt_tokens=90, completion_tokens=15,
                         cached_tokens=30),
              text_reply("all done", prompt_tokens=120, completion_tokens=4)]
    server, meter = metered(script)
    key = meter.open_trial("a1", model, tmp_path / "ledger.jsonl")
    r1 = _post(meter, key, {"model": "claude-whatever", "max_tokens": 256, "tools": [RUN_TOOL],
                            "system": "be brief", "messages": [{"role": "user", "content": "list"}]})
    assert r1.status_code == 200, r1.text
    msg = r1.json()
    assert msg["type"] == "message" and msg["stop_reason"] == "tool_use"
    use = [b for b in msg["content"] if b["type"] == "tool_use"][0]
    assert use["name"] == "run" and use["input"] == {"command": "ls"}
    r2 = _post(meter, key, {"model": "x", "max_tokens": 256, "tools": [RUN_TOOL], "messages": [
        {"role": "user", "content": "list"}, {"role": "assistant", "content": msg["content"]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use["id"],
                                      "content": "a.py"}]}]})
    assert r2.json()["content"][0]["text"] == "all done"
    # the OpenAI-compatible backend got the system prompt and the tool result, translated
    sent = server.requests[1]["body"]["messages"]
    assert any(m["role"] == "tool" and "a.py" in json.dumps(m["content"]) for m in sent)
    assert server.requests[0]["body"]["messages"][0]["role"] == "system"
    usage = meter.close_trial(key)
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens) == (
        2, 210, 19, 30)
    assert usage.cost_usd == pytest.approx(
        expected_cost(model, 90, 15, 30) + expected_cost(model, 120, 4), rel=1e-12)


def test_messages_streaming(metered, tmp_path):
    model = "openai/scripted"
    _, meter = metered([text_reply("streamed anthropic answer", prompt_tokens=77,
                                   completion_tokens=12)])
    key = meter.open_trial("a2", model, tmp_path / "ledger.jsonl")
    with httpx.stream("POST", f"{meter.anthropic_base_url}/v1/messages",
                      headers={"x-api-key": key},
                      json={"model": "x", "max_tokens": 64, "stream": True,
                            "messages": [{"role": "user", "content": "hi"}]}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [json.loads(line[5:]) for line in r.iter_lines() if line.startswith("data:")]
    text = "".join(e["delta"].get("text", "") for e in events if e["type"] == "content_block_delta")
    assert text == "streamed anthropic answer"
    assert events[-1]["type"] == "message_stop"
    usage = meter.close_trial(key)
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens) == (1, 77, 12)
    assert usage.cost_usd == pytest.approx(expected_cost(model, 77, 12), rel=1e-12)


def test_anthropic_backend_keeps_cache_marks_and_prices_cache_tokens(metered, tmp_path,
                                                                      monkeypatch):
    """OpenAI-shaped calls with cache_control reach an Anthropic backend with the marks intact;
    cache reads and writes are priced at their own rates."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")  # litellm's anthropic client wants one
    model = "anthropic/scripted-claude"
    script = [text_reply("first", prompt_tokens=1000, completion_tokens=20, cached_tokens=0,
                         cache_creation_tokens=900),
              text_reply("second", prompt_tokens=1100, completion_tokens=30, cached_tokens=900,
                         cache_creation_tokens=150)]
    server, meter = metered(script, root=True)
    key = meter.open_trial("a3", model, tmp_path / "ledger.jsonl")
    client = openai.OpenAI(base_url=meter.openai_base_url, api_key=key, max_retries=0)
    mark = {"type": "ephemeral"}
    messages = [{"role": "system", "content": [{"type": "text", "text": "sys", "cache_control": mark}]},
                {"role": "user", "content": [{"type": "text", "text": "q1", "cache_control": mark}]}]
    r1 = client.chat.completions.create(model=model, messages=messages)
    assert r1.choices[0].message.content == "first"
    messages += [{"role": "assistant", "content": "first"},
                 {"role": "user", "content": [{"type": "text", "text": "q2", "cache_control": mark}]}]
    client.chat.completions.create(model=model, messages=messages)
    assert all(r["path"] == "/v1/messages" for r in server.requests)
    sent = server.requests[1]["body"]
    assert sent["system"][0]["cache_control"] == mark
    assert sent["messages"][-1]["content"][-1]["cache_control"] == mark
    usage = meter.close_trial(key)
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens) == (
        2, 2100, 50, 900)
    assert usage.cost_usd == pytest.approx(
        expected_cost(model, 1000, 20, 0, 900) + expected_cost(model, 1100, 30, 900, 150), rel=1e-12)
