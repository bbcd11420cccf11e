"""The scripted server picks each request's script from the request: one server for every agent."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.scripted_llm import Route, ScriptedLLM, load_routes, text_reply

SCRIPTS = Path(__file__).resolve().parents[1] / "scripted_llm"
AIDE_NOTE = "How your script is run: with the current directory set to the task workspace"


def tools(*names: str) -> list[dict]:
    return [{"type": "function", "function": {"name": n, "parameters": {"type": "object"}}} for n in names]


def ask(server: ScriptedLLM, messages: list[dict], tool_names: tuple[str, ...] = ()) -> dict:
    body = {"model": "scripted", "messages": messages, **({"tools": tools(*tool_names)} if tool_names else {})}
    req = urllib.request.Request(server.base_url + "/chat/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=30))["choices"][0]["message"]


def prompt(task: str, ws: str) -> str:
    return f"Your working directory is `{ws}`.\n\n{task}"


@pytest.fixture
def routed():
    routes = [
        Route("aide", [text_reply("aide 1"), text_reply("aide 2"), text_reply("aide 3")], text=[AIDE_NOTE],
              per_trial="Your working directory is `([^`]+)`"),
        Route("oh_hello", [text_reply("oh hello 1"), text_reply("oh hello 2")], tools=["terminal", "file_editor"],
              text=["Hello, World!"]),
        Route("oh_nan", [text_reply("oh nan 1")], tools=["terminal", "file_editor"], text=["linear regression"]),
        Route("react_hello", [text_reply("react 1"), text_reply("react 2")], tools=["write_file", "run"],
              text=["Hello, World!"]),
    ]
    with ScriptedLLM(routes=routes) as server:
        yield server


def test_agent_and_task_pick_the_script_per_conversation(routed):
    hello = [{"role": "system", "content": "You are OpenHands."},
             {"role": "user", "content": [{"type": "text", "text": prompt("Print Hello, World!", "/w/1")}]}]
    first = ask(routed, hello, ("terminal", "file_editor", "finish"))
    assert first["content"] == "oh hello 1"
    assert ask(routed, hello + [first, {"role": "user", "content": "ok"}],
               ("terminal", "file_editor", "finish"))["content"] == "oh hello 2"
    nan = [{"role": "user", "content": prompt("Fix the linear regression.", "/w/2")}]
    assert ask(routed, nan, ("terminal", "file_editor"))["content"] == "oh nan 1"
    react = [{"role": "system", "content": "ReAct"}, {"role": "user", "content": prompt("Hello, World!", "/w/3")}]
    assert ask(routed, react, ("write_file", "run", "finish"))["content"] == "react 1"
    assert [len(v) for v in routed.served_by_route.values()] == [0, 2, 1, 1]


def test_per_trial_route_continues_across_single_turn_conversations(routed):
    def aide(ws: str, kind: str) -> str:
        msgs = [{"role": "system", "content": f"{kind}\n{prompt('Print Hello, World!', ws)}\n\n{AIDE_NOTE} {ws}"}]
        return ask(routed, msgs, ("submit_review",) if kind == "review" else ())["content"]

    assert aide("/w/a", "code") == "aide 1"
    assert aide("/w/b", "code") == "aide 1", "another trial has its own sequence"
    assert aide("/w/a", "review") == "aide 2"
    assert aide("/w/a", "code") == "aide 3"
    assert aide("/w/b", "review") == "aide 2"


def test_a_request_no_route_matches_is_refused_and_recorded(routed):
    with pytest.raises(urllib.error.HTTPError) as err:
        ask(routed, [{"role": "user", "content": "Hello, World!"}], ("bash",))
    assert err.value.code == 400 and "no route" in err.value.read().decode()
    assert len(routed.unrouted) == 1 and routed.served == []


def test_the_shipped_routes_load_and_the_command_line_serves_them(tmp_path):
    routes = load_routes(SCRIPTS / "routes.json")
    names = {r.name for r in routes}
    for agent in ("openhands", "aide", "mini_swe_agent", "react"):
        assert f"{agent}_hello_world" in names
    for agent in ("openhands", "mini_swe_agent", "react"):
        assert f"{agent}_nan_loss_debug" in names
    port_file = tmp_path / "port"
    proc = subprocess.Popen([sys.executable, str(SCRIPTS.parent / "scripted_llm.py"), "--routes",
                             str(SCRIPTS / "routes.json"), "--port-file", str(port_file)],
                            stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url == f"http://127.0.0.1:{port_file.read_text()}/v1"
        body = {"model": "m", "messages": [{"role": "user", "content": prompt("print Hello, World!", "/w")}],
                "tools": tools("bash")}
        req = urllib.request.Request(url + "/chat/completions", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        reply = json.load(urllib.request.urlopen(req, timeout=30))["choices"][0]["message"]
        assert reply["tool_calls"][0]["function"]["name"] == "bash"  # mini-swe-agent's first reply
    finally:
        proc.terminate()
        proc.wait(timeout=10)
