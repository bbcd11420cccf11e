"""Unpriced models and unreported usage, end to end: usage errors up front, and what the report shows.

ReAct solves hello_world through the harness, the meter (real HTTP) and the scripted server, whose
model `openai/scripted` has a price only when tests/scripted_llm/prices.json is passed.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pytest_mldevbench.meter import load_prices
from pytest_mldevbench.meter._litellm import litellm
from pytest_mldevbench.report import browser, html
from tests.scripted_llm import ScriptedLLM
from tests.test_react_e2e import SCRIPTS, totals

HELLO = "cases/extras/hello_world"
SCRIPT = json.loads((SCRIPTS / "hello_world.json").read_text())
LABEL = "react-openai/scripted"


def _react(server: ScriptedLLM, *extra: str) -> list[str]:
    return [HELLO, "--agent=react", "--model=openai/scripted", f"--llm-api-base={server.base_url}", *extra]


@pytest.fixture
def serve():
    servers = []

    def start(script: list[dict]) -> ScriptedLLM:
        servers.append(ScriptedLLM(script, per_conversation=True).start())
        return servers[-1]

    yield start
    for s in servers:
        s.stop()


def _rendered_html(report_path: Path, tmp_path: Path) -> str | None:
    """The HTML report's DOM after its script ran (None without Chromium)."""
    if browser.find() is None:
        return None
    page = tmp_path / "report.html"
    html.write(json.loads(report_path.read_text()), page)
    dom, _ = browser.dump_dom(page)
    assert 'data-errors="0"' in dom, re.search(r'id="errors">[^<]*', dom)
    return dom


def test_max_cost_with_an_unpriced_model_is_a_usage_error_before_any_trial(bench, tmp_path):
    args = [HELLO, "--agent=react", "--model=openai/unpriced-model", "--llm-api-base=http://127.0.0.1:9/v1"]
    run = bench(*args, "--max-cost=1")
    assert run.returncode == 4 and run.report is None
    errors = [line for line in run.output.splitlines() if "has no price" in line]
    assert errors == ["ERROR: model openai/unpriced-model has no price, so --max-cost cannot be enforced: pass "
                      "--llm-prices PRICES.json (see README: a self-hosted model)"], run.output[-2000:]
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"openai/unpriced-model": {"input_cost_per_token": 1e-6,
                                                            "output_cost_per_token": 2e-6}}))
    priced = bench(*args, "--max-cost=1", f"--llm-prices={prices}", "--collect-only", "-q")
    assert priced.returncode == 0, priced.output[-2000:]
    prices.write_text("{not json")
    broken = bench(*args, f"--llm-prices={prices}", "--collect-only", "-q")
    assert broken.returncode == 4 and "ERROR: --llm-prices: prices file" in broken.output


def test_unpriced_model_without_a_budget_reports_cost_unknown(bench, serve, tmp_path):
    server = serve(SCRIPT)
    junit = tmp_path / "junit.xml"
    run = bench(*_react(server), f"--junitxml={junit}")  # no --llm-prices: openai/scripted has no price
    trial = run.trial("react")
    assert trial["outcome"] == "passed", run.output[-3000:]
    want = totals(SCRIPT)
    assert trial["usage"]["prompt_tokens"] == want["prompt_tokens"]  # tokens stay exact
    assert trial["usage"]["cost_usd"] is None  # not 0.0
    agg = run.report["aggregates"]
    assert agg["by_agent_model"][LABEL]["cost_usd"] is None and agg["by_category"]["extras"]["cost_usd"] is None
    assert agg["by_agent_model"][LABEL]["cost_per_solved_usd"] is None
    table = run.output[run.output.index("ML-Dev-Bench results"):]
    assert re.search(r"^cost USD +cost unknown$", table, re.M), table
    assert "cost unknown: a model has no price; pass --llm-prices PRICES.json" in table
    props = {p.get("name"): p.get("value") for p in ET.parse(junit).iter("property")}
    assert props["mldb.cost_usd"] == "unknown"
    assert json.loads((run.out_dir / "progress.json").read_text())["cost_usd"] is None
    dom = _rendered_html(run.out_dir / "report.json", tmp_path)
    if dom is not None:
        assert re.search(r'<td class="num">cost unknown</td>', dom)


def test_unreported_usage_is_estimated_and_flagged_in_the_report(bench, serve, tmp_path):
    silent = [{**reply, "report_usage": False} for reply in SCRIPT]
    server = serve(silent)
    run = bench(*_react(server, f"--llm-prices={SCRIPTS / 'prices.json'}"))
    trial = run.trial("react")
    assert trial["outcome"] == "passed", run.output[-3000:]
    assert trial["usage"]["estimated_calls"] == trial["steps"] == len(SCRIPT)
    ledger = [json.loads(x) for x in (Path(trial["artifacts_dir"]) / "llm_ledger.jsonl").read_text().splitlines()]
    calls = [c for c in ledger if c["event"] == "call"]
    assert all(c["usage_estimated"] and c["prompt_tokens"] > 0 for c in calls)
    # each call's prompt is the conversation the agent sent, counted with the model's tokenizer (litellm
    # counts tools by the model's entry, so its price is registered here as in the harness)
    load_prices(SCRIPTS / "prices.json")
    sent = [r["body"] for r in server.requests]
    assert [c["prompt_tokens"] for c in calls] == [
        litellm().token_counter(model="openai/scripted", messages=b["messages"], tools=b.get("tools"))
        for b in sent]
    agg = run.report["aggregates"]["by_agent_model"][LABEL]
    assert agg["estimated_calls"] == len(SCRIPT) and agg["cost_usd"] > 0
    table = run.output[run.output.index("ML-Dev-Bench results"):]
    assert re.search(rf"^tokens +~{agg['tokens']}$", table, re.M), table
    assert f"~ estimated: {len(SCRIPT)} LLM calls reported no usage" in table
    dom = _rendered_html(run.out_dir / "report.json", tmp_path)
    if dom is not None:
        total = trial["usage"]["prompt_tokens"] + trial["usage"]["completion_tokens"]
        assert f">~{total} (estimated)</td>" in dom
