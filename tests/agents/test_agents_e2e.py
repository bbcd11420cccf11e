"""OpenHands, AIDE, mini-swe-agent and cli solve cases against the scripted LLM, through the meter.

Each run goes through the harness (a pytest subprocess), the meter (real HTTP) and the scripted server;
the report's tokens and cost must equal the script's totals exactly.
"""
from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from tests.scripted_llm import ScriptedLLM
from tests.test_react_e2e import SCRIPTS, totals

HELLO = "cases/extras/hello_world"
NAN = "cases/debugging/nan_loss_debug"


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


@pytest.mark.parametrize("agent, prefix, case", [
    ("mini-swe-agent", "mini_swe_agent", HELLO), ("mini-swe-agent", "mini_swe_agent", NAN),
    ("openhands", "openhands", HELLO), ("openhands", "openhands", NAN),
])
def test_agent_solves_through_the_meter_with_exact_costs(bench, scripted, agent_ready, agent, prefix, case):
    agent_ready(agent)
    server, script = scripted(f"{prefix}_{Path(case).name}")
    trial = assert_metered_exactly(run_agent(bench, server, agent, case), agent, script)
    artifacts = Path(trial["artifacts_dir"]) / "agent" / "artifacts"
    assert list(artifacts.rglob("trajectory.json*")), "the agent's trajectory is saved with the artifacts"
    assert len(server.served) == len(script), "every scripted reply was used"


def test_aide_runs_its_best_solution_with_the_task_environment(bench, scripted, agent_ready):
    agent_ready("aide")
    # every AIDE call is a fresh single-turn conversation: one script for the whole trial, in order
    server, script = scripted("aide_hello_world", per_conversation=False)
    # one AIDE step = a code call and a review call; --max-steps caps model calls
    run = run_agent(bench, server, "aide", HELLO, "--max-steps=2")
    trial = assert_metered_exactly(run, "aide", script)
    artifacts = Path(trial["artifacts_dir"]) / "agent" / "artifacts"
    assert "Hello, World!" in (artifacts / "best_solution.py").read_text()
    assert len(server.served) == len(script), "every scripted reply was used"
    configs = list((artifacts / "aide").rglob("config.yaml"))
    assert configs and "mldb-openai-scripted" in configs[0].read_text(), "models renamed off OpenAI names"


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
