"""OpenHands, AIDE, mini-swe-agent, ReAct and cli solve cases against the scripted LLM, through the meter.

Each run goes through the harness (a pytest subprocess), the meter (real HTTP) and the scripted server;
the report's tokens and cost must equal the script's totals exactly. The model agents share one pytest
session and one scripted server, which picks each request's script from the request
(tests/scripted_llm/routes.json): the issue's "done when" command.
"""
from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from tests.scripted_llm import ScriptedLLM, load_routes
from tests.test_react_e2e import SCRIPTS, totals

HELLO = "cases/extras/hello_world"
NAN = "cases/debugging/nan_loss_debug"
ROUTES = SCRIPTS / "routes.json"
# every agent's model calls on hello_world fit in 4 (OpenHands asks once more after auto-continue; AIDE
# does max_steps // 2 search steps of a code call and a feedback call each)
HELLO_MAX_STEPS = 4
NAN_MAX_STEPS = 5


@pytest.fixture
def scripted():
    servers = []

    def start(name: str, per_conversation: bool = True) -> tuple[ScriptedLLM, list[dict]]:
        script = json.loads((SCRIPTS / f"{name}.json").read_text())
        servers.append(ScriptedLLM(script, per_conversation=per_conversation).start())
        return servers[-1], script

    yield start
    for s in servers:
        s.stop()


@pytest.fixture
def routed():
    """One scripted server for every agent and task (routes.json)."""
    server = ScriptedLLM(routes=load_routes(ROUTES)).start()
    yield server
    server.stop()


def run_agent(bench, server: ScriptedLLM, agent: str, case: str, *extra: str):
    return bench(case, f"--agent={agent}", "--model=openai/scripted", f"--llm-api-base={server.base_url}",
                 f"--llm-prices={SCRIPTS / 'prices.json'}", *extra)


def assert_metered_exactly(run, agent: str, script: list[dict]) -> dict:
    trial = run.trial(agent)
    assert trial["outcome"] == "passed", f"{trial['detail']}\n{run.output[-4000:]}"
    want = totals(script)
    assert trial["steps"] == want["calls"]
    for key in ("prompt_tokens", "completion_tokens", "cached_tokens"):
        assert trial["usage"][key] == want[key], key
    assert trial["usage"]["cost_usd"] == pytest.approx(want["cost_usd"], rel=1e-9)
    agg = run.report["aggregates"]["by_agent_model"][f"{agent}-openai/scripted"]
    assert agg["cost_usd"] == pytest.approx(want["cost_usd"], abs=1e-6)
    assert agg["tokens"] == want["prompt_tokens"] + want["completion_tokens"]
    ledger = Path(trial["artifacts_dir"]) / "llm_ledger.jsonl"
    calls = [json.loads(line) for line in ledger.read_text().splitlines()]
    assert sum(c["event"] == "call" for c in calls) == want["calls"]
    return trial


def assert_session(run, server: ScriptedLLM, case: str, agents: dict[str, str]) -> dict[str, dict]:
    """Every agent passed `case` with the exact totals of its route's script, and used all of it."""
    assert not server.unrouted, f"requests no route matched: {str(server.unrouted[0])[:2000]}"
    routes = {r.name: r for r in server.routes}
    task = Path(case).name
    trials = {}
    for agent, prefix in agents.items():
        route = routes[f"{prefix}_{task}"]
        trials[agent] = assert_metered_exactly(run, agent, route.script)
        assert len(server.served_by_route[route.name]) == len(route.script), f"{agent}: replies left unused"
    assert run.returncode == 0, run.output[-4000:]
    return trials


def assert_trajectory_saved(trial: dict) -> None:
    artifacts = Path(trial["artifacts_dir"]) / "agent" / "artifacts"
    assert list(artifacts.rglob("trajectory.json*")), "the agent's trajectory is saved with the artifacts"


def assert_own_cost_tracking(trials: dict[str, dict]) -> None:
    """The agents' own cost tracking got the session's prices: mini-swe-agent's total is the meter's, and
    OpenHands did not warn about an unmapped model (it did on every call before)."""
    mini = trials["mini-swe-agent"]
    saved = json.loads(next((Path(mini["artifacts_dir"]) / "agent" / "artifacts").rglob("trajectory.json")).read_text())
    assert saved["info"]["model_stats"]["instance_cost"] == pytest.approx(mini["usage"]["cost_usd"], rel=1e-9)
    log = (Path(trials["openhands"]["artifacts_dir"]) / "agent.log").read_text(errors="replace")
    assert "Cost calculation failed" not in log and "isn't mapped" not in log


def test_all_agents_solve_hello_world_in_one_session(bench, routed, agent_ready):
    """`pytest cases/extras/hello_world --agent=openhands,aide,mini-swe-agent,react --model=<scripted>`."""
    agents = {"openhands": "openhands", "aide": "aide", "mini-swe-agent": "mini_swe_agent", "react": "react"}
    for agent in agents:
        agent_ready(agent)
    run = run_agent(bench, routed, ",".join(agents), HELLO, f"--max-steps={HELLO_MAX_STEPS}")
    trials = assert_session(run, routed, HELLO, agents)
    for agent in ("openhands", "mini-swe-agent"):
        assert_trajectory_saved(trials[agent])
    assert_own_cost_tracking(trials)
    # AIDE: its best solution was run with the task environment; its models renamed off OpenAI names
    artifacts = Path(trials["aide"]["artifacts_dir"]) / "agent" / "artifacts"
    assert "Hello, World!" in (artifacts / "best_solution.py").read_text()
    configs = list((artifacts / "aide").rglob("config.yaml"))
    assert configs and "mldb-openai-scripted" in configs[0].read_text(), "models renamed off OpenAI names"
    aide_calls = [r for r in routed.requests if r["route"] == "aide_hello_world"]
    assert any(r["body"].get("tools") for r in aide_calls), "the feedback model was asked (function call)"
    assert any(not r["body"].get("tools") for r in aide_calls), "the code model was asked"


def test_agents_solve_nan_loss_debug_in_one_session(bench, routed, agent_ready):
    agents = {"openhands": "openhands", "mini-swe-agent": "mini_swe_agent", "react": "react"}
    for agent in agents:
        agent_ready(agent)
    run = run_agent(bench, routed, ",".join(agents), NAN, f"--max-steps={NAN_MAX_STEPS}")
    trials = assert_session(run, routed, NAN, agents)
    for agent in ("openhands", "mini-swe-agent"):
        assert_trajectory_saved(trials[agent])


# A tiny command-line agent: asks the model (at OPENAI_BASE_URL, with OPENAI_API_KEY) for a file as JSON,
# writes it, then asks for a summary. Stdlib only, run with the task environment's python.
TOY_CLI = """
import json, os, sys, urllib.request
def ask(messages):
    body = json.dumps(dict(model="whatever", messages=messages)).encode()
    req = urllib.request.Request(os.environ["OPENAI_BASE_URL"].rstrip("/") + "/chat/completions", data=body,
        headers={"Authorization": "Bearer " + os.environ["OPENAI_API_KEY"], "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))["choices"][0]["message"]["content"]
messages = [dict(role="user", content=open(sys.argv[1]).read() + "Answer with JSON: path, content.")]
answer = ask(messages)
spec = json.loads(answer)
open(spec["path"], "w").write(spec["content"])
messages += [dict(role="assistant", content=answer), dict(role="user", content="Summarise.")]
print(ask(messages))
"""


def test_cli_agent_from_a_template(bench, scripted, agent_ready):
    server, script = scripted("cli_hello_world")
    code = shlex.quote(TOY_CLI).replace("{", "{{").replace("}", "}}")  # braces are the template's
    run = run_agent(bench, server, "cli", HELLO, f"--agent-cmd=python -c {code} {{prompt_file}}")
    trial = assert_metered_exactly(run, "cli", script)
    log = (Path(trial["artifacts_dir"]) / "agent" / "artifacts" / "cli_output.log").read_text()
    assert "Wrote hello.py." in log


def test_cli_agent_needs_a_command(bench):
    run = bench(HELLO, "--agent=cli", "--model=openai/scripted")
    assert run.returncode == 4 and "--agent-cmd" in run.output
