"""Trajectories end to end: a ReAct trial, a cli trial (no agent-side code for it) against the scripted
backend, and the oracle in one harness session; each trial's trajectory.json validates against ATIF, has one agent step
per scripted reply with its tool calls, results and the ledger's figures, and shows in the HTML report (in
headless Chromium) and in `mldevbench report --trial`."""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from pytest_mldevbench import cli, trajectory
from pytest_mldevbench.report import browser, html
from tests.agents.test_agents_e2e import HELLO, ROUTES, TOY_CLI, run_agent
from tests.scripted_llm import Route, ScriptedLLM, load_routes, reply_usage
from tests.test_react_e2e import SCRIPTS


@pytest.fixture
def both():
    """One scripted server for ReAct (routes.json) and the toy cli agent (its own route)."""
    cli_script = json.loads((SCRIPTS / "cli_hello_world.json").read_text())
    routes = load_routes(ROUTES) + [Route(name="cli_hello_world", script=cli_script,
                                          text=["Answer with JSON: path, content."])]
    server = ScriptedLLM(routes=routes).start()
    yield server, {r.name: r.script for r in routes}
    server.stop()


def _agent_steps(doc: dict) -> list[dict]:
    return [s for s in doc["steps"] if s["source"] == "agent"]


def test_react_and_cli_trajectories(bench, both, agent_ready, tmp_path, capsys):
    server, scripts = both
    for agent in ("react", "cli"):
        agent_ready(agent)
    code = shlex.quote(TOY_CLI).replace("{", "{{").replace("}", "}}")
    run = run_agent(bench, server, "react,cli,oracle", HELLO, f"--agent-cmd=python -c {code} {{prompt_file}}")
    oracle = run.trial("oracle")  # no LLM: no trajectory; a clean solution: no flags
    assert oracle["outcome"] == "passed" and oracle["flags"] == []
    assert not (Path(oracle["artifacts_dir"]) / "trajectory.json").exists()
    docs = {}
    for agent, script in (("react", scripts["react_hello_world"]), ("cli", scripts["cli_hello_world"])):
        trial = run.trial(agent)
        assert trial["outcome"] == "passed", f"{trial['detail']}\n{run.output[-3000:]}"
        path = Path(trial["artifacts_dir"]) / "trajectory.json"
        trajectory.load(path)  # validates against the ATIF models (raises otherwise)
        doc = docs[agent] = json.loads(path.read_text())
        assert doc["schema_version"] == "ATIF-v1.8" and doc["session_id"] == trial["trial_id"]
        assert trial["flags"] == []  # the scripted solutions install nothing and stay in the workspace
        steps = _agent_steps(doc)
        assert len(steps) == len(script) == trial["steps"]
        for step, reply in zip(steps, script):
            want = reply_usage(reply)
            assert (step["metrics"]["prompt_tokens"], step["metrics"]["completion_tokens"]) == \
                (want["prompt_tokens"], want["completion_tokens"])
            assert [c["function_name"] for c in step.get("tool_calls", [])] == \
                [c["name"] for c in reply.get("tool_calls", [])]
            assert [c["arguments"] for c in step.get("tool_calls", [])] == \
                [c["arguments"] for c in reply.get("tool_calls", [])]
            if reply.get("content"):
                assert step["message"] == reply["content"]
        assert doc["final_metrics"]["total_cost_usd"] == pytest.approx(trial["usage"]["cost_usd"], rel=1e-9)
        assert doc["steps"][0]["source"] in ("system", "user")
        assert "Hello, World!" in json.dumps(doc["steps"][:2])  # the task's prompt opens it

    # ReAct: each tool call's result is the observation of the step that made it (from the next call)
    react = _agent_steps(docs["react"])
    for step in react[:-1]:
        ids = {c["tool_call_id"] for c in step.get("tool_calls", [])}
        got = {r.get("source_call_id") for r in step.get("observation", {}).get("results", [])}
        assert ids and ids == got, step
    runs = [s for s in react if s.get("tool_calls", [{}])[0].get("function_name") == "run"]
    assert "Hello, World!" in runs[0]["observation"]["results"][0]["content"]  # what `python hello.py` printed
    # cli: plain chat, no tool calls; its second request's new message is the follow-up, not the echo
    assert [s["source"] for s in docs["cli"]["steps"]] == ["user", "agent", "user", "agent"]
    assert docs["cli"]["steps"][2]["message"] == "Summarise."

    # the HTML report draws every step, with no script error, in headless Chromium
    report_json = run.out_dir / "report.json"
    page = tmp_path / "report.html"
    html.write(run.report, page)
    if browser.find() is not None:
        dom, log = browser.dump_dom(page)
        body = re.search(r"<body[^>]*>", dom).group(0)
        assert 'data-rendered="yes"' in body and 'data-errors="0"' in body, re.search(r'id="errors">[^<]*', dom)
        assert not [line for line in log.splitlines() if ":CONSOLE" in line], "console output"
        total = sum(len(d["steps"]) for d in docs.values())
        assert len(re.findall(r'<div class="step (agent|user|system)"', dom)) == total
        assert dom.count('class="call"') == sum(len(s.get("tool_calls", [])) for d in docs.values() for s in d["steps"])
        assert "Summarise." in dom and "write_file" in dom and "✓ " in dom

    # the terminal: one trial's trajectory by a part of its id
    assert cli.main(["report", str(report_json), "--trial", "cli"]) == 0
    out = capsys.readouterr().out
    assert "#2 agent" in out and "Wrote hello.py." in out and "outcome: passed" in out
    assert cli.main(["report", str(report_json), "--trial", "hello_world"]) == 4  # three trials match
    assert "matches 3 trials" in capsys.readouterr().err
