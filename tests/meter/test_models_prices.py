"""Aliases, the up-front API key check, custom prices and ledger reading."""
from __future__ import annotations

import json

import pytest

from pytest_mldevbench.meter import (ALIASES, MissingApiKey, UnknownModel, check_api_key,
                                     load_prices, read_usage, resolve_model)
from pytest_mldevbench.meter.prices import cost_usd, has_price


def test_aliases_resolve_and_unknown_names_pass_through():
    assert resolve_model("sonnet") == "anthropic/claude-sonnet-4-5"
    assert resolve_model("gpt-4o") == "openai/gpt-4o"
    assert resolve_model("gemini-flash") == "gemini/gemini-2.5-flash"
    assert resolve_model("openrouter/some/model") == "openrouter/some/model"


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_every_alias_has_a_price_in_litellms_table(alias):
    assert has_price(ALIASES[alias]), ALIASES[alias]


def test_missing_key_is_one_line_naming_the_variable(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(MissingApiKey) as info:
        check_api_key("sonnet")
    message = str(info.value)
    assert "ANTHROPIC_API_KEY" in message and "\n" not in message
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    check_api_key("sonnet")


def test_no_key_needed_for_an_openai_compatible_override(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(MissingApiKey, match="OPENAI_API_KEY"):
        check_api_key("openai/my-local-model")
    check_api_key("openai/my-local-model", api_base="http://127.0.0.1:9/v1")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(MissingApiKey, match="ANTHROPIC_API_KEY"):  # not OpenAI-compatible
        check_api_key("anthropic/claude-sonnet-4-5", api_base="http://127.0.0.1:9")


def test_unplaceable_model_name_is_reported():
    with pytest.raises(UnknownModel, match="unknown model"):
        check_api_key("no-such-model-xyz")


def test_custom_prices_register_with_litellm(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"openai/priced-test": {
        "input_cost_per_token": 1e-6, "output_cost_per_token": 4e-6,
        "cache_read_input_token_cost": 1e-7}}))
    assert load_prices(path) == ["openai/priced-test"]
    assert cost_usd("openai/priced-test", 1000, 100) == pytest.approx(1000e-6 + 400e-6, rel=1e-12)
    assert cost_usd("openai/priced-test", 1000, 100, cached_tokens=600) == pytest.approx(
        400e-6 + 600e-7 + 400e-6, rel=1e-12)
    assert cost_usd("openai/unpriced-test", 10, 10) is None


@pytest.mark.parametrize("content,match", [
    ("not json", "prices file"),
    ('{"openai/x": {"input_cost_per_token": 1e-6}}', "output_cost_per_token"),
    ("[1, 2]", "expected an object"),
])
def test_bad_prices_file_is_one_clear_error(tmp_path, content, match):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=match):
        load_prices(path)


def test_read_usage_sums_calls_and_skips_a_torn_last_line(tmp_path):
    path = tmp_path / "ledger.jsonl"
    lines = [
        {"event": "open", "trial_id": "t"},
        {"event": "call", "status": "ok", "prompt_tokens": 10, "completion_tokens": 2,
         "cached_tokens": 4, "cost_usd": 0.5, "latency_s": 0.25},
        {"event": "call", "status": "client_disconnected", "prompt_tokens": 5,
         "completion_tokens": 1, "cached_tokens": 0, "cost_usd": 0.25, "latency_s": 0.5},
        {"event": "call", "status": "refused", "budget": "max_cost_usd"},
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines) + '{"event": "call", "sta')
    u = read_usage(path)
    assert (u.calls, u.prompt_tokens, u.completion_tokens, u.cached_tokens) == (2, 15, 3, 4)
    assert u.cost_usd == 0.75 and u.latency_s == 0.75
    assert u.budget_exhausted and u.refused_calls == 1
    assert read_usage(tmp_path / "missing.jsonl").calls == 0
