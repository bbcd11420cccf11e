"""Usage a backend never reported: estimated with the model's tokenizer, flagged, counted toward budgets.

Both ways the meter reaches a backend are covered: the relay (an OpenAI-compatible server at
--llm-api-base, `openai/...`) and litellm (`deepseek/...`, an OpenAI-protocol provider litellm serves
itself, pointed at the same scripted server). A backend that reports usage is recorded exactly and
unflagged; one that does not (a stream that ignores `stream_options`, or a reply without `usage`) gets
the tokenizer's count, flagged `usage_estimated` in the ledger and counted in `estimated_calls`.
"""
from __future__ import annotations

import json

import openai
import pytest

from pytest_mldevbench.meter._litellm import litellm
from tests.meter.conftest import expected_cost
from tests.scripted_llm import text_reply, tool_reply

RELAYED, VIA_LITELLM = "openai/scripted", "deepseek/scripted"
MESSAGES = [{"role": "system", "content": "You are a careful assistant. " * 12},
            {"role": "user", "content": "Write hello.py, then say what you did."}]
ANSWER = "I wrote hello.py; it prints a greeting."


@pytest.fixture(autouse=True)
def _deepseek_key(monkeypatch):
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-scripted")  # litellm's deepseek provider wants one


def _silent(reply: dict) -> dict:
    """The same reply from a backend that reports no usage at all."""
    return {**reply, "report_usage": False}


def _calls(path) -> list[dict]:
    return [r for r in map(json.loads, path.read_text().splitlines()) if r["event"] == "call"]


def _tokenizer_counts(model: str, reply_text: str) -> tuple[int, int]:
    return (litellm().token_counter(model=model, messages=MESSAGES),
            litellm().token_counter(model=model, text=reply_text, count_response_tokens=True))


def _ask(meter, key: str, stream: bool, client_wants_usage: bool = False) -> str:
    client = openai.OpenAI(base_url=meter.openai_base_url, api_key=key, max_retries=0)
    if not stream:
        return client.chat.completions.create(model="x", messages=MESSAGES).choices[0].message.content
    extra = {"stream_options": {"include_usage": True}} if client_wants_usage else {}
    chunks = list(client.chat.completions.create(model="x", messages=MESSAGES, stream=True, **extra))
    assert not [c for c in chunks if getattr(c, "usage", None)], "the meter cannot invent a usage chunk"
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


@pytest.mark.parametrize("model", [RELAYED, VIA_LITELLM])
@pytest.mark.parametrize("stream", [True, False], ids=["stream", "no-stream"])
def test_missing_usage_is_estimated_with_the_tokenizer_and_flagged(metered, tmp_path, model, stream):
    backend_counted = text_reply(ANSWER, prompt_tokens=209, completion_tokens=12)
    server, meter = metered([_silent(backend_counted), backend_counted])
    ledger = tmp_path / "ledger.jsonl"
    key = meter.open_trial("e1", model, ledger)
    assert _ask(meter, key, stream, client_wants_usage=True) == ANSWER
    assert _ask(meter, key, stream) == ANSWER  # the same reply, now with usage
    if stream:
        assert all(r["body"]["stream_options"] == {"include_usage": True} for r in server.requests)
    usage = meter.close_trial(key)
    estimated, reported = _calls(ledger)
    prompt, completion = _tokenizer_counts(model, ANSWER)
    assert (estimated["prompt_tokens"], estimated["completion_tokens"]) == (prompt, completion)
    assert estimated["usage_estimated"] is True and prompt > 0 and completion > 0
    # litellm's own stream figures (61 prompt tokens where the backend counted 209, in the issue) and
    # the 0 of an unreported non-streamed reply are gone; reported figures stay exact and unflagged
    assert (reported["prompt_tokens"], reported["completion_tokens"]) == (209, 12)
    assert reported["usage_estimated"] is False
    assert (usage.calls, usage.estimated_calls) == (2, 1)
    assert (usage.prompt_tokens, usage.completion_tokens) == (prompt + 209, completion + 12)
    if model == RELAYED:  # priced in tests/scripted_llm/prices.json
        assert usage.cost_usd == pytest.approx(
            expected_cost(model, prompt, completion) + expected_cost(model, 209, 12), rel=1e-12)


def test_a_streamed_tool_call_without_usage_is_estimated_from_its_arguments(metered, tmp_path):
    arguments = {"path": "hello.py", "content": "print('Hello, World!')\n" * 20}
    _, meter = metered([_silent(tool_reply("write_file", arguments, prompt_tokens=500, completion_tokens=90))])
    key = meter.open_trial("e2", RELAYED, tmp_path / "ledger.jsonl")
    client = openai.OpenAI(base_url=meter.openai_base_url, api_key=key, max_retries=0)
    chunks = list(client.chat.completions.create(model="x", messages=MESSAGES, stream=True))
    sent = "".join(tc.function.arguments or "" for c in chunks if c.choices
                   for tc in c.choices[0].delta.tool_calls or [])
    assert json.loads(sent) == arguments
    meter.close_trial(key)
    call, = _calls(tmp_path / "ledger.jsonl")
    name_and_args = litellm().token_counter(model=RELAYED, text="write_file" + sent, count_response_tokens=True)
    assert call["usage_estimated"] and call["completion_tokens"] == name_and_args > 50


def test_estimates_count_toward_the_token_budget(metered, tmp_path):
    _, meter = metered([_silent(text_reply(ANSWER))] * 3)
    key = meter.open_trial("e3", RELAYED, tmp_path / "ledger.jsonl", max_tokens=100)
    prompt, completion = _tokenizer_counts(RELAYED, ANSWER)
    assert prompt + completion > 100  # one estimated call crosses the budget
    assert _ask(meter, key, stream=True) == ANSWER
    with pytest.raises(openai.PermissionDeniedError, match="token budget"):
        _ask(meter, key, stream=True)
    usage = meter.close_trial(key)
    assert (usage.calls, usage.refused_calls, usage.estimated_calls) == (1, 1, 1)
    assert usage.budget_exhausted


@pytest.mark.parametrize("model", [RELAYED, VIA_LITELLM])
def test_a_client_that_asked_for_usage_gets_the_backends_usage_chunk(metered, tmp_path, model):
    _, meter = metered([text_reply(ANSWER, prompt_tokens=209, completion_tokens=12)])
    key = meter.open_trial("e4", model, tmp_path / "ledger.jsonl")
    client = openai.OpenAI(base_url=meter.openai_base_url, api_key=key, max_retries=0)
    chunks = list(client.chat.completions.create(model="x", messages=MESSAGES, stream=True,
                                                 stream_options={"include_usage": True}))
    assert [(c.usage.prompt_tokens, c.usage.completion_tokens) for c in chunks if c.usage] == [(209, 12)]
    assert meter.close_trial(key).estimated_calls == 0
