"""Budgets: cost, tokens and steps cut a trial off with a refusal the agent sees."""
from __future__ import annotations

import json

import httpx
import openai
import pytest

from tests.meter.conftest import expected_cost
from tests.scripted_llm import text_reply

MODEL = "openai/scripted"


def _ask(client):
    return client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])


def test_cost_budget_refuses_the_call_after_the_limit(metered, tmp_path):
    one = expected_cost(MODEL, 1000, 100)  # 0.0028 per call
    _, meter = metered([text_reply(f"answer {i}", prompt_tokens=1000, completion_tokens=100)
                        for i in range(5)])
    key = meter.open_trial("b1", MODEL, tmp_path / "ledger.jsonl", max_cost_usd=2.5 * one)
    client = openai.OpenAI(base_url=meter.openai_base_url, api_key=key, max_retries=0)
    for _ in range(3):  # the third call crosses the limit and is still answered
        _ask(client)
    with pytest.raises(openai.PermissionDeniedError) as info:
        _ask(client)
    assert "budget exhausted" in str(info.value) and "cost" in str(info.value)
    with pytest.raises(openai.PermissionDeniedError):
        _ask(client)
    usage = meter.close_trial(key)
    assert usage.budget_exhausted and usage.refused_calls == 2 and usage.calls == 3
    assert usage.cost_usd == pytest.approx(3 * one, rel=1e-12)
    refused = [json.loads(x) for x in (tmp_path / "ledger.jsonl").read_text().splitlines()
               if '"refused"' in x]
    assert {r["budget"] for r in refused} == {"max_cost_usd"}


def test_token_budget_and_anthropic_shaped_refusal(metered, tmp_path):
    _, meter = metered([text_reply("a", prompt_tokens=300, completion_tokens=50)] * 3)
    key = meter.open_trial("b2", MODEL, tmp_path / "ledger.jsonl", max_tokens=600)
    body = {"model": "x", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
    url, headers = f"{meter.anthropic_base_url}/v1/messages", {"x-api-key": key}
    assert httpx.post(url, json=body, headers=headers).status_code == 200
    assert httpx.post(url, json=body, headers=headers).status_code == 200  # 700 tokens now
    refused = httpx.post(url, json=body, headers=headers)
    assert refused.status_code == 403
    assert refused.json()["type"] == "error"
    assert "token budget" in refused.json()["error"]["message"]
    usage = meter.close_trial(key)
    assert usage.calls == 2 and usage.prompt_tokens + usage.completion_tokens == 700
    assert usage.budget_exhausted


def test_step_cap_counts_llm_calls(metered, tmp_path):
    _, meter = metered([text_reply("a")] * 5)
    key = meter.open_trial("b3", MODEL, tmp_path / "ledger.jsonl", max_steps=2)
    client = openai.OpenAI(base_url=meter.openai_base_url, api_key=key, max_retries=0)
    _ask(client)
    _ask(client)
    assert not meter.usage(key).budget_exhausted
    with pytest.raises(openai.PermissionDeniedError, match="step limit"):
        _ask(client)
    assert meter.usage(key).budget_exhausted  # what the harness polls to stop the agent
    usage = meter.close_trial(key)
    assert meter.usage(key) is None
    assert (usage.calls, usage.refused_calls, usage.budget_exhausted) == (2, 1, True)


def test_cost_budget_needs_a_priced_model(metered, tmp_path):
    _, meter = metered([])
    with pytest.raises(ValueError, match="no price"):
        meter.open_trial("b4", "openai/unpriced-model", tmp_path / "l.jsonl", max_cost_usd=1.0)
