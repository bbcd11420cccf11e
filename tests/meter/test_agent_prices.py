"""The session's prices reach the agents' own cost tracking; the meter's ledger stays the record.

mini-swe-agent (as run from PyPI through `--agent=cli`, its cost tracking on) stops with "perhaps it's not
registered" on a model litellm has no price for, and OpenHands warns "Cost calculation failed" on every
call. The harness writes the trial model's price to `<trial>/agent/llm_prices.json` and names it in
`MLDB_LLM_PRICES`, `LITELLM_MODEL_REGISTRY_PATH` (which mini-swe-agent reads) and trial.json (which our
drivers register with the agent's litellm). Each agent runs in its own environment, against the meter.
"""
from __future__ import annotations

import json
import os
import subprocess
import textwrap

import pytest

from pytest_mldevbench.agents import mini_swe_agent, openhands
from pytest_mldevbench.agents.agentenv import AgentEnv
from pytest_mldevbench.meter import load_prices, read_usage, write_agent_prices
from tests.agents.conftest import agent_ready  # noqa: F401  (the fixture)
from tests.scripted_llm import tool_reply

MODEL = "openai/scripted"

MINI = textwrap.dedent("""
    import json, os, sys
    from minisweagent.models.litellm_model import LitellmModel
    model = LitellmModel(model_name=sys.argv[1], model_kwargs={
        "api_base": os.environ["OPENAI_BASE_URL"], "api_key": os.environ["OPENAI_API_KEY"]})
    try:
        print(json.dumps({"cost": model.query([{"role": "user", "content": "list files"}])["extra"]["cost"]}))
    except Exception as exc:
        print(json.dumps({"error": str(exc)}))
""")

OPENHANDS = textwrap.dedent("""
    import json, os, sys, warnings
    sys.path.insert(0, sys.argv[2])
    import litellm, mldb_trial
    from openhands.sdk import LLM, Message, TextContent
    from pydantic import SecretStr
    trial = mldb_trial.load(os.environ["MLDB_TRIAL_JSON"])
    trial.register_prices(litellm)  # what agents/openhands/main.py does
    llm = LLM(model=sys.argv[1], base_url=trial.openai_base_url, api_key=SecretStr(trial.api_key),
              usage_id="agent", num_retries=0, drop_params=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            llm.completion([Message(role="user", content=[TextContent(text="list files")])])
    print(json.dumps({"warnings": [str(w.message) for w in caught if "Cost" in str(w.message)],
                      "cost": llm.metrics.accumulated_cost}))
""")


def _run(python, code: str, env: dict, *args: str) -> dict:
    proc = subprocess.run([str(python), "-c", code, *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=600)
    assert proc.stdout.strip(), proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _trial_files(meter, key: str, tmp_path, priced: bool) -> dict:
    """What the harness gives a model agent: meter URL and key, trial.json, and the prices (when passed)."""
    tmp_path.mkdir()
    env = write_agent_prices(MODEL, tmp_path / "llm_prices.json") if priced else {}
    trial_json = tmp_path / "trial.json"
    trial_json.write_text(json.dumps({"workspace": str(tmp_path), "prompt": "x", "model": MODEL, "llm": {
        "openai_base_url": meter.openai_base_url, "api_key": key, "prices_file": env.get("MLDB_LLM_PRICES")}}))
    return {**env, "OPENAI_BASE_URL": meter.openai_base_url, "OPENAI_API_KEY": key, "HOME": str(tmp_path),
            "MLDB_TRIAL_JSON": str(trial_json), "MSWEA_CONFIGURED": "true", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


def test_prices_file_names_the_model_as_agents_call_it(prices_file, tmp_path):
    load_prices(prices_file)
    env = write_agent_prices(MODEL, tmp_path / "llm_prices.json")
    assert env == {"MLDB_LLM_PRICES": str(tmp_path / "llm_prices.json"),
                   "LITELLM_MODEL_REGISTRY_PATH": str(tmp_path / "llm_prices.json")}
    prices = json.loads((tmp_path / "llm_prices.json").read_text())
    assert set(prices) == {MODEL, f"openai/{MODEL}"}  # as the trial names it, and behind the meter's endpoint
    assert prices[MODEL] == {"input_cost_per_token": 2e-06, "output_cost_per_token": 8e-06,
                             "cache_read_input_token_cost": 5e-07, "litellm_provider": "openai", "mode": "chat"}
    assert write_agent_prices("openai/no-price-here", tmp_path / "none.json") == {}
    assert not (tmp_path / "none.json").exists()


@pytest.mark.parametrize("name", [MODEL, f"openai/{MODEL}"])
def test_mini_swe_agent_with_cost_tracking_on_counts_the_session_prices(agent_ready, metered, tmp_path, name,
                                                                       monkeypatch):
    agent_ready("mini-swe-agent")
    python = AgentEnv("mini-swe-agent", mini_swe_agent.REQUIREMENTS).python
    monkeypatch.delenv("MSWEA_COST_TRACKING", raising=False)  # its default: stop on an unmapped model
    reply = tool_reply("bash", {"command": "ls"}, prompt_tokens=1000, completion_tokens=50)
    _, meter = metered([reply, reply])
    key = meter.open_trial("p1", MODEL, tmp_path / "ledger.jsonl")
    without = _run(python, MINI, _trial_files(meter, key, tmp_path / "a", priced=False), name)
    assert "perhaps it's not registered" in without.get("error", ""), without
    with_prices = _run(python, MINI, _trial_files(meter, key, tmp_path / "b", priced=True), name)
    meter.close_trial(key)
    ledger = read_usage(tmp_path / "ledger.jsonl")
    assert ledger.calls == 2 and with_prices["cost"] == pytest.approx(ledger.cost_usd / 2, rel=1e-9)


def test_openhands_counts_the_session_prices_without_warnings(agent_ready, metered, tmp_path):
    agent_ready("openhands")
    python = AgentEnv("openhands", openhands.REQUIREMENTS, minimum=(3, 12)).python
    common = str(mini_swe_agent.REQUIREMENTS.parents[1] / "common")
    reply = tool_reply("terminal", {"command": "ls"}, prompt_tokens=1000, completion_tokens=50)
    _, meter = metered([reply] * 4)
    key = meter.open_trial("p2", MODEL, tmp_path / "ledger.jsonl")
    name = f"openai/{MODEL}"  # as agents/openhands/main.py names it
    without = _run(python, OPENHANDS, _trial_files(meter, key, tmp_path / "a", priced=False), name, common)
    assert len(without["warnings"]) == 2 and without["cost"] == 0, without  # one warning per call
    with_prices = _run(python, OPENHANDS, _trial_files(meter, key, tmp_path / "b", priced=True), name, common)
    meter.close_trial(key)
    ledger = read_usage(tmp_path / "ledger.jsonl")
    assert with_prices["warnings"] == [] and ledger.calls == 4
    assert with_prices["cost"] == pytest.approx(ledger.cost_usd / 2, rel=1e-9)
