"""The scripted LLM server itself: replay order, per-conversation cursors, command line."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from tests.meter.conftest import SCRIPTS
from tests.scripted_llm import ScriptedLLM, text_reply

REPO = Path(__file__).resolve().parents[2]


def _say(url: str, messages: list[dict]) -> str:
    r = httpx.post(f"{url}/chat/completions", json={"model": "m", "messages": messages})
    r.raise_for_status()
    return r.json()["choices"][0]["message"]["content"]


def test_replays_in_order_then_reports_exhaustion():
    with ScriptedLLM([text_reply("one"), text_reply("two")]) as llm:
        first = [{"role": "user", "content": "a"}]
        assert _say(llm.base_url, first) == "one"
        assert _say(llm.base_url, first) == "two"
        r = httpx.post(f"{llm.base_url}/chat/completions", json={"messages": first})
        assert r.status_code == 400 and "exhausted" in r.text
        assert len(llm.requests) == 3 and len(llm.served) == 2


def test_each_conversation_replays_the_script():
    with ScriptedLLM([text_reply("one"), text_reply("two")], per_conversation=True) as llm:
        a = [{"role": "user", "content": "task a"}]
        b = [{"role": "user", "content": "task b"}]
        assert _say(llm.base_url, a) == "one"
        assert _say(llm.base_url, b) == "one"
        assert _say(llm.base_url, a + [{"role": "assistant", "content": "one"},
                                       {"role": "user", "content": "go on"}]) == "two"
        assert _say(llm.base_url, a) == "one"  # a fresh conversation starts over


def test_command_line_serves_a_script_file(tmp_path):
    port_file = tmp_path / "port"
    proc = subprocess.Popen([sys.executable, str(REPO / "tests" / "scripted_llm.py"),
                             str(SCRIPTS / "hello_world.json"), "--port-file", str(port_file)],
                            stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert port_file.read_text() in url
        r = httpx.post(f"{url}/chat/completions",
                       json={"messages": [{"role": "user", "content": "hi"}]}).json()
        assert r["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "write_file"
        assert r["usage"]["prompt_tokens"] == 1200
    finally:
        proc.kill()
        proc.wait()
