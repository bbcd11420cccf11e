"""ReAct end to end: the harness, the meter (real HTTP) and a scripted LLM; exact tokens and cost."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.scripted_llm import ScriptedLLM, reply_usage

SCRIPTS = Path(__file__).parent / "scripted_llm"
PRICES = json.loads((SCRIPTS / "prices.json").read_text())["openai/scripted"]


def totals(script: list[dict]) -> dict:
    usage = [reply_usage(r) for r in script]
    prompt = sum(u["prompt_tokens"] for u in usage)
    completion = sum(u["completion_tokens"] for u in usage)
    cached = sum(u["cached_tokens"] for u in usage)
    cost = ((prompt - cached) * PRICES["input_cost_per_token"] + cached * PRICES["cache_read_input_token_cost"]
            + completion * PRICES["output_cost_per_token"])
    return {"calls": len(script), "prompt_tokens": prompt, "completion_tokens": completion,
            "cached_tokens": cached, "cost_usd": cost}


@pytest.fixture
def scripted():
    servers = []

    def start(name: str) -> tuple[ScriptedLLM, list[dict]]:
        script = json.loads((SCRIPTS / f"{name}.json").read_text())
        server = ScriptedLLM(script, per_conversation=True).start()
        servers.append(server)
        return server, script

    yield start
    for s in servers:
        s.stop()


def llm_args(server: ScriptedLLM) -> list[str]:
    return ["--agent=react", "--model=openai/scripted", f"--llm-api-base={server.base_url}",
            f"--llm-prices={SCRIPTS / 'prices.json'}"]


@pytest.mark.parametrize("case, name", [("cases/extras/hello_world", "hello_world"),
                                         ("cases/debugging/nan_loss_debug", "nan_loss_debug")])
def test_react_solves_through_the_meter_with_exact_costs(bench, scripted, case, name):
    server, script = scripted(name)
    run = bench(case, *llm_args(server))
    trial = run.trial("react")
    assert trial["outcome"] == "passed", f"{trial['detail']}\n{run.output[-3000:]}"
    want = totals(script)
    assert trial["steps"] == want["calls"]
    for key in ("prompt_tokens", "completion_tokens", "cached_tokens"):
        assert trial["usage"][key] == want[key], key
    assert trial["usage"]["cost_usd"] == pytest.approx(want["cost_usd"], rel=1e-9)
    agg = run.report["aggregates"]["by_agent_model"]["react-openai/scripted"]
    assert agg["cost_usd"] == pytest.approx(want["cost_usd"], abs=1e-6)
    assert agg["tokens"] == want["prompt_tokens"] + want["completion_tokens"]
    ledger = [json.loads(line) for line in (Path(trial["artifacts_dir"]) / "llm_ledger.jsonl").read_text().splitlines()]
    assert sum(e["event"] == "call" for e in ledger) == want["calls"]


def test_budget_cut_off_fails_the_trial_with_reason_budget(bench, scripted):
    server, script = scripted("hello_world")
    first_two = totals(script[:2])["cost_usd"]
    run = bench("cases/extras/hello_world", *llm_args(server), f"--max-cost={first_two * 0.99:.6f}")
    trial = run.trial("react")
    assert trial["outcome"] == "failed" and trial["reason"] == "budget", trial["detail"]
    assert trial["steps"] == 2  # the call crossing the limit is answered, the next refused


def test_model_agent_without_model_or_key_is_a_usage_error(bench, monkeypatch):
    run = bench("cases/extras/hello_world", "--agent=react")
    assert run.returncode == 4 and "--agent=react talks to an LLM: give --model" in run.output
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    run = bench("cases/extras/hello_world", "--agent=react", "--model=sonnet")
    assert run.returncode == 4 and "ANTHROPIC_API_KEY" in run.output


def test_step_cap_fails_with_budget_and_the_message_agrees_with_the_record(bench, scripted):
    """react stops itself at --max-steps (it reads the cap from trial.json): the meter's ledger shows the cap
    reached, so the trial fails with `budget`, not `agent_crash`; every check passed and the terminal says so."""
    server, _ = scripted("hello_world")
    run = bench("cases/extras/hello_world", *llm_args(server), "--max-steps=2")
    trial = run.trial("react")
    assert trial["outcome"] == "failed" and trial["reason"] == "budget", (trial["reason"], trial["detail"])
    assert "step limit reached: 2 of 2" in trial["detail"], trial["detail"]
    assert trial["checks"] and all(c["ok"] for c in trial["checks"]), trial["checks"]
    n = len(trial["checks"])
    assert f"checks: {n} passed, 0 failed" in run.output and "no checks recorded" not in run.output, run.output[-2000:]
    assert f"budget: {trial['detail']}" in run.output
