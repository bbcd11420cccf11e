"""The meter's OpenAI chat-completions shape: forwarding, streaming, tool calls, exact ledger.

The shape is served two ways, both covered where it matters: relayed as is to an OpenAI-compatible
--llm-api-base (`openai/scripted`), and through litellm (`deepseek/scripted`: a provider litellm
serves itself, pointed at the same scripted server).
"""
from __future__ import annotations

import json

import httpx
import openai
import pytest

from tests.meter.conftest import expected_cost
from tests.scripted_llm import text_reply, tool_reply

MODEL = "openai/scripted"
BOTH_ROUTES = pytest.mark.parametrize("model", [MODEL, "deepseek/scripted"], ids=["relay", "litellm"])
TOOLS = [{"type": "function", "function": {
    "name": "write_file", "parameters": {"type": "object", "properties": {
        "path": {"type": "string"}, "content": {"type": "string"}}}}}]


def _records(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(autouse=True)
def _deepseek_key(monkeypatch):
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-scripted")


@BOTH_ROUTES
def test_non_streaming_tool_call_and_exact_totals(metered, tmp_path, model):
    script = [tool_reply("write_file", {"path": "a.py", "content": "print(1)"},
                         prompt_tokens=321, completion_tokens=45, cached_tokens=200),
              text_reply("done", prompt_tokens=410, completion_tokens=7)]
    server, meter = metered(script)
    key = meter.open_trial("t1", model, tmp_path / "ledger.jsonl")
    client = openai.OpenAI(base_url=meter.openai_base_url, api_key=key, max_retries=0)
    r1 = client.chat.completions.create(model="anything", tools=TOOLS,
                                        messages=[{"role": "user", "content": "write a.py"}])
    call = r1.choices[0].message.tool_calls[0]
    assert call.function.name == "write_file"
    assert json.loads(call.function.arguments) == {"path": "a.py", "content": "print(1)"}
    assert (r1.usage.prompt_tokens, r1.usage.completion_tokens) == (321, 45)
    r2 = client.chat.completions.create(model="anything", messages=[
        {"role": "user", "content": "write a.py"}, r1.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "ok"}])
    assert r2.choices[0].message.content == "done"
    usage = meter.close_trial(key)
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens) == (
        2, 731, 52, 200)
    assert usage.cost_usd == pytest.approx(
        expected_cost(model, 321, 45, 200) + expected_cost(model, 410, 7), rel=1e-12)
    assert not usage.budget_exhausted and usage.refused_calls == 0
    # the backend saw the trial's model, not the one the client named, and the tool result
    assert [r["body"]["model"] for r in server.requests] == ["scripted", "scripted"]
    assert server.requests[1]["body"]["messages"][-1]["content"] == "ok"
    calls = [r for r in _records(tmp_path / "ledger.jsonl") if r["event"] == "call"]
    assert [c["status"] for c in calls] == ["ok", "ok"]
    assert all(c["latency_s"] > 0 for c in calls)


@BOTH_ROUTES
@pytest.mark.parametrize("include_usage", [True, False])
def test_streaming_through_the_meter(metered, tmp_path, include_usage, model):
    script = [tool_reply("write_file", {"path": "b.py", "content": "x = 1\n" * 5},
                         content="Writing the file.", prompt_tokens=150, completion_tokens=60,
                         cached_tokens=50)]
    _, meter = metered(script)
    key = meter.open_trial("t2", model, tmp_path / "ledger.jsonl")
    client = openai.OpenAI(base_url=meter.openai_base_url, api_key=key, max_retries=0)
    extra = {"stream_options": {"include_usage": True}} if include_usage else {}
    chunks = list(client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "go"}], tools=TOOLS, stream=True, **extra))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    args = "".join(tc.function.arguments or "" for c in chunks if c.choices
                   for tc in c.choices[0].delta.tool_calls or [])
    assert text == "Writing the file."
    assert json.loads(args) == {"path": "b.py", "content": "x = 1\n" * 5}
    usages = [c.usage for c in chunks if getattr(c, "usage", None)]
    if include_usage:
        assert (usages[-1].prompt_tokens, usages[-1].completion_tokens) == (150, 60)
    else:
        assert usages == []
    usage = meter.close_trial(key)
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens) == (
        1, 150, 60, 50)
    assert usage.cost_usd == pytest.approx(expected_cost(model, 150, 60, 50), rel=1e-12)
    assert usage.estimated_calls == 0


def test_keys_are_checked_and_revoked(metered, tmp_path):
    _, meter = metered([text_reply("hi")])
    key = meter.open_trial("t3", MODEL, tmp_path / "ledger.jsonl")
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
    bad = httpx.post(f"{meter.openai_base_url}/chat/completions", json=body,
                     headers={"Authorization": "Bearer mldb-wrong"})
    assert bad.status_code == 401 and "trial key" in bad.json()["error"]["message"]
    models = httpx.get(f"{meter.openai_base_url}/models", headers={"Authorization": f"Bearer {key}"})
    assert models.json()["data"][0]["id"] == MODEL
    meter.close_trial(key)
    late = httpx.post(f"{meter.openai_base_url}/chat/completions", json=body,
                      headers={"Authorization": f"Bearer {key}"})
    assert late.status_code == 401
    with pytest.raises(KeyError):
        meter.close_trial(key)


def test_agent_cannot_redirect_the_backend(metered, tmp_path):
    """Fields litellm would obey (api_base, mock_response) are dropped, not forwarded."""
    server, meter = metered([text_reply("real answer", prompt_tokens=11, completion_tokens=3)])
    key = meter.open_trial("t4", MODEL, tmp_path / "ledger.jsonl")
    r = httpx.post(f"{meter.openai_base_url}/chat/completions",
                   headers={"Authorization": f"Bearer {key}"},
                   json={"model": MODEL, "messages": [{"role": "user", "content": "hi"}],
                         "api_base": "http://127.0.0.1:9/v1", "mock_response": "free tokens",
                         "temperature": 0.2})
    assert r.status_code == 200
    assert r.json()["choices"][0]["message"]["content"] == "real answer"
    sent = server.requests[0]["body"]
    assert sent["temperature"] == 0.2 and "mock_response" not in sent and "api_base" not in sent
    assert meter.close_trial(key).calls == 1


@BOTH_ROUTES
def test_backend_errors_reach_the_agent_and_the_ledger(metered, tmp_path, model):
    _, meter = metered([{"error": {"status": 400, "message": "context too long"}}])
    key = meter.open_trial("t5", model, tmp_path / "ledger.jsonl")
    client = openai.OpenAI(base_url=meter.openai_base_url, api_key=key, max_retries=0)
    with pytest.raises(openai.BadRequestError, match="context too long"):
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])
    usage = meter.close_trial(key)
    assert usage.calls == 1 and usage.prompt_tokens == 0 and usage.cost_usd == 0
    call = [r for r in _records(tmp_path / "ledger.jsonl") if r["event"] == "call"][0]
    assert call["status"] == "error" and "context too long" in call["error"]


def test_unix_socket_for_containers(prices_file, tmp_path):
    from pytest_mldevbench.meter import Meter
    from tests.scripted_llm import ScriptedLLM

    sock = tmp_path / "meter.sock"
    with ScriptedLLM([text_reply("via socket", prompt_tokens=5, completion_tokens=2)]) as server:
        meter = Meter.start(api_base=server.base_url, prices_file=prices_file, unix_socket=sock)
        try:
            key = meter.open_trial("t6", MODEL, tmp_path / "ledger.jsonl")
            with httpx.Client(transport=httpx.HTTPTransport(uds=str(sock))) as client:
                r = client.post("http://meter/v1/chat/completions",
                                headers={"Authorization": f"Bearer {key}"},
                                json={"messages": [{"role": "user", "content": "hi"}]})
            assert r.json()["choices"][0]["message"]["content"] == "via socket"
            assert meter.close_trial(key).calls == 1
        finally:
            meter.stop()
    assert not sock.exists()
