"""The ledger survives a client that dies mid-call; the meter keeps serving the trial."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import openai
import pytest

from pytest_mldevbench.meter import read_usage
from tests.meter.conftest import expected_cost
from tests.scripted_llm import text_reply

MODEL = "openai/scripted"

CLIENT = textwrap.dedent("""
    import sys, httpx
    url, key = sys.argv[1], sys.argv[2]
    body = {"model": "x", "stream": True, "messages": [{"role": "user", "content": "long"}]}
    with httpx.stream("POST", url, json=body, headers={"Authorization": "Bearer " + key},
                      timeout=60) as r:
        for line in r.iter_lines():
            if line.startswith("data:"):
                print("first chunk", flush=True)
                break
        sys.stdin.read()  # wait here until killed
""")


@pytest.mark.parametrize("model", [MODEL, "deepseek/scripted"], ids=["relay", "litellm"])
def test_killed_streaming_client_is_still_billed(metered, tmp_path, monkeypatch, model):
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-scripted")
    slow = {**text_reply("word " * 60, prompt_tokens=500, completion_tokens=60),
            "chunk_delay_s": 0.05}
    _, meter = metered([slow, text_reply("after", prompt_tokens=10, completion_tokens=2)])
    ledger = tmp_path / "ledger.jsonl"
    key = meter.open_trial("c1", model, ledger)
    proc = subprocess.Popen([sys.executable, "-c", CLIENT,
                             f"{meter.openai_base_url}/chat/completions", key],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "first chunk"
    proc.kill()
    proc.wait()
    deadline = time.time() + 30  # the meter drains the backend's stream, then writes the line
    while read_usage(ledger).calls < 1 and time.time() < deadline:
        time.sleep(0.1)
    calls = [json.loads(x) for x in ledger.read_text().splitlines() if '"call"' in x]
    assert calls and calls[0]["status"] == "client_disconnected"
    assert (calls[0]["prompt_tokens"], calls[0]["completion_tokens"]) == (500, 60)
    # the trial goes on, and the ledger is complete without closing the trial (a call's line is written
    # right after its answer is sent)
    client = openai.OpenAI(base_url=meter.openai_base_url, api_key=key, max_retries=0)
    assert client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "x"}]).choices[0].message.content == "after"
    deadline = time.time() + 10
    while read_usage(ledger).calls < 2 and time.time() < deadline:
        time.sleep(0.01)
    before_close = read_usage(ledger)
    usage = meter.close_trial(key)
    assert before_close == usage
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens) == (2, 510, 62)
    assert usage.cost_usd == pytest.approx(
        expected_cost(model, 500, 60) + expected_cost(model, 10, 2), rel=1e-12)


def test_close_cancels_a_call_that_never_ends(metered, tmp_path):
    stuck = {**text_reply("never"), "delay_s": 30}
    server, meter = metered([stuck])
    key = meter.open_trial("c2", MODEL, tmp_path / "ledger.jsonl")
    proc = subprocess.Popen([sys.executable, "-c", CLIENT,
                             f"{meter.openai_base_url}/chat/completions", key],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120  # wait until the call has reached the backend (slow under load)
        while not server.requests and time.time() < deadline:
            time.sleep(0.1)
        assert server.requests, "the client's call never reached the backend"
        t0 = time.time()
        usage = meter.close_trial(key, drain_timeout_s=0.5)
        assert time.time() - t0 < 10
    finally:
        proc.kill()
        proc.wait()
    assert usage.calls == 1 and usage.prompt_tokens == 0
    statuses = [json.loads(x).get("status") for x in (tmp_path / "ledger.jsonl").read_text()
                .splitlines()]
    assert "cancelled" in statuses
