"""ReAct end to end against the scripted LLM through the meter (real HTTP, no harness)."""
from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from pytest_mldevbench.meter import read_usage
from tests.meter.conftest import SCRIPTS, expected_cost
from tests.meter.react_helpers import react_popen, run_react, run_react_here, write_trial
from tests.scripted_llm import text_reply, tool_reply

MODEL = "openai/scripted"
PROMPT = "Create hello.py that prints exactly: Hello, World!"


def _events(artifacts: Path) -> list[dict]:
    return [json.loads(x) for x in (artifacts / "trajectory.jsonl").read_text().splitlines()]


def test_react_writes_hello_world_and_stops(metered, tmp_path):
    """The shipped hello_world script: write_file, run, finish."""
    script = json.loads((SCRIPTS / "hello_world.json").read_text())
    server, meter = metered(script)
    ledger = tmp_path / "ledger.jsonl"
    key = meter.open_trial("r1", MODEL, ledger, max_steps=10)
    code, result, out = run_react(write_trial(tmp_path, meter, key, MODEL, PROMPT))
    assert code == 0, out
    assert result == {"status": "completed", "steps": 3,
                      "final_message": script[-1]["tool_calls"][0]["arguments"]["message"]}
    assert (tmp_path / "workspace" / "hello.py").read_text() == 'print("Hello, World!")\n'
    # the model saw the real tool results: the file write, then the program's output
    tool_msgs = [m for m in server.requests[2]["body"]["messages"] if m["role"] == "tool"]
    assert "wrote 23 bytes" in tool_msgs[0]["content"]
    assert tool_msgs[1]["content"] == "Hello, World!\n[exit code 0]"
    assert server.requests[0]["body"]["messages"][1]["content"] == PROMPT
    assert {t["function"]["name"] for t in server.requests[0]["body"]["tools"]} == {
        "run", "spawn", "monitor", "write_file", "edit_file", "list_dir", "finish"}
    usage = meter.close_trial(key)
    tokens = [r["usage"] for r in script]
    assert usage.calls == 3
    assert usage.prompt_tokens == sum(u["prompt_tokens"] for u in tokens)
    assert usage.completion_tokens == sum(u["completion_tokens"] for u in tokens)
    assert usage.cached_tokens == sum(u["cached_tokens"] for u in tokens)
    assert usage.cost_usd == pytest.approx(sum(
        expected_cost(MODEL, u["prompt_tokens"], u["completion_tokens"], u["cached_tokens"])
        for u in tokens), rel=1e-12)
    events = _events(tmp_path / "artifacts")
    assert events[0]["event"] == "start" and events[-1]["status"] == "completed"
    assert [e["name"] for e in events if e["event"] == "tool"] == ["write_file", "run", "finish"]


def test_react_stops_on_the_meters_budget_refusal(metered, tmp_path):
    script = [tool_reply("run", {"command": "echo step"}, prompt_tokens=1000, completion_tokens=100)
              ] * 5
    server, meter = metered(script)
    key = meter.open_trial("r2", MODEL, tmp_path / "ledger.jsonl",
                           max_cost_usd=1.5 * expected_cost(MODEL, 1000, 100))
    code, result = run_react_here(write_trial(tmp_path, meter, key, MODEL, PROMPT))
    assert code != 0
    assert result["status"] == "budget_exhausted", result
    assert len(server.requests) == 2  # the third call never reached the backend
    usage = meter.close_trial(key)
    assert (usage.calls, usage.refused_calls, usage.budget_exhausted) == (2, 1, True)


def test_react_step_cap_from_trial_json(metered, tmp_path):
    _, meter = metered([tool_reply("run", {"command": "true"})] * 6)
    key = meter.open_trial("r3", MODEL, tmp_path / "ledger.jsonl")
    code, result = run_react_here(write_trial(tmp_path, meter, key, MODEL, PROMPT, max_steps=3))
    assert result["status"] == "max_steps" and result["steps"] == 3, result
    usage = meter.close_trial(key)
    assert usage.calls == 3 and not usage.budget_exhausted
    last_tool = [e for e in _events(tmp_path / "artifacts") if e["event"] == "tool"][-1]
    assert "model call(s) left" in last_tool["output"]


def test_react_marks_prompt_cache_for_claude(metered, tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    model = "anthropic/scripted-claude"
    script = [tool_reply("write_file", {"path": "hello.py", "content": "print(1)\n"},
                         prompt_tokens=2000, completion_tokens=30, cache_creation_tokens=1800),
              text_reply("Done.", prompt_tokens=2100, completion_tokens=5, cached_tokens=1800,
                         cache_creation_tokens=250)]
    server, meter = metered(script, root=True)
    key = meter.open_trial("r4", model, tmp_path / "ledger.jsonl")
    code, result = run_react_here(write_trial(tmp_path, meter, key, model, PROMPT))
    assert result["status"] == "completed" and result["final_message"] == "Done.", result
    mark = {"type": "ephemeral"}
    for req in server.requests:
        body = req["body"]
        assert req["path"] == "/v1/messages"
        assert body["system"][-1]["cache_control"] == mark
        assert json.dumps(body["messages"][-1]).count('"cache_control"') >= 1
    usage = meter.close_trial(key)
    assert usage.cached_tokens == 1800
    assert usage.cost_usd == pytest.approx(
        expected_cost(model, 2000, 30, 0, 1800) + expected_cost(model, 2100, 5, 1800, 250),
        rel=1e-12)


def test_react_killed_mid_call_leaves_result_and_ledger(metered, tmp_path):
    script = [tool_reply("spawn", {"command": "sleep 300"}),
              {**text_reply("too late"), "delay_s": 20}]
    _, meter = metered(script)
    ledger = tmp_path / "ledger.jsonl"
    key = meter.open_trial("r5", MODEL, ledger)
    proc = react_popen(write_trial(tmp_path, meter, key, MODEL, PROMPT))
    deadline = time.time() + 60
    while read_usage(ledger).calls < 1 and time.time() < deadline:  # 2nd call is now in flight
        time.sleep(0.1)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=180)
    result = json.loads((tmp_path / "artifacts" / "agent_result.json").read_text())
    assert result["status"] == "terminated", out
    job_log = tmp_path / "artifacts" / "outputs" / "job-1.log"
    assert job_log.exists()
    usage = meter.close_trial(key, drain_timeout_s=0.5)
    assert usage.calls == 2 and usage.prompt_tokens == 100
