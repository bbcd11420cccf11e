"""--mldb-config (a run in YAML) and --llm-config (models in litellm's proxy format): parsing, overrides, the
resolved config in the report, usage errors naming the key, keys kept out of every log and report, and a session
driven by the two files giving the same report as the equivalent command line."""
from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path

import pytest

from pytest_mldevbench import llmconfig, runconfig
from pytest_mldevbench.configfile import ConfigError
from pytest_mldevbench.meter.prices import read_prices
from pytest_mldevbench.options import MODEL_NAME
from tests.scripted_llm import ScriptedLLM

REPO = Path(__file__).resolve().parents[1]
HELLO = REPO / "cases" / "extras" / "hello_world"
SCRIPTS = REPO / "tests" / "scripted_llm"
PRICES = json.loads((SCRIPTS / "prices.json").read_text())["openai/scripted"]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# -- run.yaml -> command-line arguments -------------------------------------------------------------------------

def test_keys_become_the_options_they_stand_for(tmp_path):
    (tmp_path / "ci").mkdir()
    path = write(tmp_path / "ci" / "run.yaml", """
paths: [../cases/extras, /abs/case]
keyword: hello
markers: "not gpu"
agents: [react, oracle]
models: sonnet
runs: 3
workers: auto
limits: {agent_timeout: 600, max_cost: 1e-3, max_steps: 20}
llm: {config: litellm.yaml, api_base: "http://127.0.0.1:8000/v1"}
out: ../out
resume: true
keep: false
gpus: [0, 1]
json: null
""")
    options, paths = runconfig.to_args(path)
    assert paths == [str(tmp_path / "cases" / "extras"), "/abs/case"]  # relative to the file's folder
    assert options == [
        "-k", "hello", "-m", "not gpu", "--agent=react,oracle", "--model=sonnet", "--runs=3", "--numprocesses=auto",
        "--agent-timeout=600", "--max-cost=0.001", "--max-steps=20", f"--llm-config={tmp_path / 'ci' / 'litellm.yaml'}",
        "--llm-api-base=http://127.0.0.1:8000/v1", f"--mldb-out={tmp_path / 'out'}", "--mldb-resume", "--gpus=0,1"]


@pytest.mark.parametrize("text, message", [
    ("agent: [react]", "unknown key 'agent' (did you mean 'agents'?)"),
    ("limits: {max_cst: 1}", "unknown key 'limits.max_cst' (did you mean 'limits.max_cost'?)"),
    ("colour: red", "unknown key 'colour'; known keys: paths, keyword"),
    ("runs: '3'", "'runs' must be an integer >= 1, got '3'"),
    ("runs: 0", "'runs' must be an integer >= 1, got 0"),
    ("resume: yes please", "'resume' must be true or false, got 'yes please'"),
    ("profile: huge", "'profile' must be one of smoke, full, got 'huge'"),
    ("limits: 5", "'limits' must be a mapping (keys: agent_timeout, max_steps, max_cost, max_tokens, timeout)"),
    ("limits: {max_cost: lots}", "'limits.max_cost' must be a number >= 0, got 'lots'"),
    ("agents: {react: 1}", "'agents' must be a list of names"),
    ("agents: [oracle, null]", "write the agent \"null\" in quotes"),
    ("- runs", "expected an object"),
    ("runs: [", "is not valid YAML"),
])
def test_bad_run_config_is_one_line_naming_the_key(tmp_path, text, message):
    path = write(tmp_path / "run.yaml", text + "\n")
    with pytest.raises(ConfigError) as info:
        runconfig.to_args(path)
    assert message in str(info.value) and "\n" not in str(info.value)


@pytest.fixture
def hello(pytester):
    shutil.copytree(HELLO, pytester.path / "cases" / "extras" / "hello_world")
    shutil.copy(REPO / "conftest.py", pytester.path / "conftest.py")
    return pytester


def collected(result) -> list[str]:
    return sorted(line.split("::")[-1] for line in result.outlines if "::" in line)


def test_command_line_overrides_the_file(hello):
    write(hello.path / "run.yaml", 'paths: [cases]\nagents: [oracle, "null"]\nruns: 2\n')
    result = hello.runpytest("--mldb-config=run.yaml", "--collect-only", "-q")
    assert collected(result) == sorted(f"test_hello_world[{a}-{r}]" for a in ("oracle", "null") for r in (1, 2))
    result = hello.runpytest("--mldb-config=run.yaml", "--runs=1", "--agent=null", "--collect-only", "-q")
    assert collected(result) == ["test_hello_world[null-1]"]
    result = hello.runpytest("--mldb-config=run.yaml", "-k", "nothing_matches", "--collect-only", "-q")
    assert collected(result) == []


@pytest.mark.parametrize("text, message", [
    ("agent: [react]\n", "unknown key 'agent' (did you mean 'agents'?)"),
    ("runs: two\n", "'runs' must be an integer >= 1, got 'two'"),
])
def test_bad_run_config_is_a_usage_error(hello, text, message):
    write(hello.path / "run.yaml", text)
    result = hello.runpytest("--mldb-config=run.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1 and message in errors[0] and "run.yaml" in errors[0], result.errlines


def test_missing_run_config_is_a_usage_error(hello):
    result = hello.runpytest("--mldb-config=nosuch.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert any("--mldb-config: cannot read" in line and "nosuch.yaml" in line for line in result.errlines)


def test_the_resolved_config_is_in_the_report(bench, tmp_path):
    path = write(tmp_path / "run.yaml", f"paths: [{HELLO}]\nagents: [oracle, 'null']\nlimits: {{max_steps: 7}}\n")
    run = bench(f"--mldb-config={path}", "--runs=2")
    config = run.report["metadata"]["config"]
    assert config["source"] == str(path)
    assert config["paths"] == ["cases/extras/hello_world"]
    assert (config["agents"], config["runs"], config["limits"]["max_steps"]) == (["oracle", "null"], 2, 7)
    assert len(run.report["trials"]) == 4


# -- litellm.yaml --------------------------------------------------------------------------------------------------

def test_the_examples_load():
    options, paths = runconfig.to_args(REPO / "examples" / "run.yaml")
    assert paths == [str(REPO / "cases")] and "--llm-config=" + str(REPO / "examples" / "litellm.yaml") in options
    llm = llmconfig.load(REPO / "examples" / "litellm.yaml", MODEL_NAME)
    coder = llm.public()["coder"]
    assert coder["api_key"] == "os.environ/VLLM_API_KEY"
    assert coder["prices"] == {"input_cost_per_token": 2e-7, "output_cost_per_token": 6e-7}


def test_a_proxy_config_gives_aliases_endpoints_keys_and_prices(tmp_path):
    path = write(tmp_path / "litellm.yaml", """
model_list:
  - model_name: coder
    litellm_params:
      model: openai/my-coder
      api_base: http://127.0.0.1:8000/v1
      api_key: os.environ/MY_CODER_KEY
      rpm: 60                      # router-only: ignored
      api_version: "2024-01-01"    # passed to every call
      input_cost_per_token: 1e-6   # YAML 1.1 leaves this a string; it is still a price
      output_cost_per_token: 2.0e-6
  - model_name: sonnet-team
    litellm_params: {model: anthropic/claude-sonnet-4-5, api_key: os.environ/ANTHROPIC_API_KEY}
router_settings: {routing_strategy: simple-shuffle}
""")
    llm = llmconfig.load(path, MODEL_NAME)
    coder = {d.alias: d for d in llm.deployments}["coder"]
    assert (coder.model, coder.api_base, coder.api_key_env) == ("openai/my-coder", "http://127.0.0.1:8000/v1",
                                                                "MY_CODER_KEY")
    assert dict(coder.params) == {"api_version": "2024-01-01"}
    assert llm.prices["openai/my-coder"]["input_cost_per_token"] == 1e-6
    assert "anthropic/claude-sonnet-4-5" not in llm.prices  # litellm's own table prices it


@pytest.mark.parametrize("text, message", [
    ("general_settings: {}\n", "'model_list' must be a non-empty list"),
    ("model_list:\n  - model_name: a b\n    litellm_params: {model: openai/x}\n", "model_list[0].model_name"),
    ("model_list:\n  - model_name: a\n    litellm_params: {api_base: x}\n", "model_list[0].litellm_params.model"),
    ("model_list:\n  - model_name: all\n    litellm_params: {model: 'openai/*'}\n", "no wildcards"),
    ("model_list:\n  - {model_name: a, litellm_params: {model: openai/x}}\n"
     "  - {model_name: a, litellm_params: {model: openai/y}}\n", "model_name 'a' is listed twice"),
    ("model_list:\n  - {model_name: a, litellm_params: {model: openai/x, api_base: 'http://h1'}}\n"
     "  - {model_name: b, litellm_params: {model: openai/x, api_base: 'http://h2'}}\n", "with different settings"),
    ("model_list:\n  - {model_name: a, litellm_params: {model: openai/x, api_key: 'os.environ/1x'}}\n",
     "does not name an environment variable"),
    ("model_list:\n  - {model_name: a, litellm_params: {model: openai/x}, model_info: {input_cost_per_token: 1e-6}}\n",
     "needs numeric input_cost_per_token and output_cost_per_token"),
    ("model_list:\n  - {model_name: a, litellm_params: {model: openai/x, output_cost_per_token: cheap, "
     "input_cost_per_token: 1}}\n", "output_cost_per_token must be a number"),
])
def test_bad_llm_config_is_one_line_naming_the_entry(tmp_path, text, message):
    path = write(tmp_path / "litellm.yaml", text)
    with pytest.raises(ValueError) as info:
        llmconfig.load(path, MODEL_NAME)
    assert message in str(info.value) and str(path) in str(info.value) and "\n" not in str(info.value)


def test_llm_prices_accepts_yaml(tmp_path):
    path = write(tmp_path / "prices.yaml", "openai/priced-yaml:\n  input_cost_per_token: 1e-6\n"
                                           "  output_cost_per_token: 4.0e-6\n")
    assert read_prices(path)["openai/priced-yaml"]["input_cost_per_token"] == 1e-6


def test_a_missing_key_variable_is_a_usage_error_naming_it(hello, monkeypatch):
    monkeypatch.delenv("MLDB_TEST_NO_SUCH_KEY", raising=False)
    write(hello.path / "litellm.yaml", "model_list:\n  - model_name: coder\n    litellm_params:\n"
                                       "      model: openai/coder\n      api_key: os.environ/MLDB_TEST_NO_SUCH_KEY\n")
    result = hello.runpytest("cases", "--agent=react", "--model=coder", "--llm-config=litellm.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert errors == ["ERROR: model coder (openai/coder, from --llm-config) needs MLDB_TEST_NO_SUCH_KEY set in the "
                      "environment"], result.errlines


# -- sessions against the scripted backend ---------------------------------------------------------------------------

@pytest.fixture
def scripted():
    server = ScriptedLLM(json.loads((SCRIPTS / "hello_world.json").read_text()), per_conversation=True).start()
    yield server
    server.stop()


@pytest.fixture
def key(monkeypatch) -> str:
    value = f"sk-mldb-test-{secrets.token_hex(16)}"
    monkeypatch.setenv("MLDB_TEST_LLM_KEY", value)
    return value


def litellm_yaml(tmp_path: Path, server: ScriptedLLM, name: str = "openai/scripted") -> Path:
    return write(tmp_path / "litellm.yaml", f"""
model_list:
  - model_name: {name}
    litellm_params:
      model: openai/scripted
      api_base: {server.base_url}
      api_key: os.environ/MLDB_TEST_LLM_KEY
    model_info:
      input_cost_per_token: {PRICES['input_cost_per_token']!r}
      output_cost_per_token: {PRICES['output_cost_per_token']!r}
      cache_read_input_token_cost: {PRICES['cache_read_input_token_cost']!r}
""")


VARIES = ("started_at", "finished_at", "created_at", "timings", "wall_s", "latency_s", "artifacts_dir", "scratch_dir",
          "out_dir", "elapsed_s")


def comparable(report: dict) -> dict:
    """The report without what differs between any two runs (times, folders) and how the run was configured."""
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in VARIES}
        return [strip(v) for v in value] if isinstance(value, list) else value
    out = strip(report)
    for key in ("source", "llm", "out"):
        out["metadata"]["config"].pop(key)
    return out


def files_holding(root: Path, text: str) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


def test_a_session_from_the_two_files_gives_the_command_lines_report(bench, scripted, key, tmp_path):
    llm = litellm_yaml(tmp_path, scripted)
    run_yaml = write(tmp_path / "run.yaml", f"paths: [{HELLO}]\nagents: [react]\nmodels: [openai/scripted]\nruns: 2\n"
                                            "limits: {max_steps: 20}\n")
    by_files = bench(f"--mldb-config={run_yaml}", f"--llm-config={llm}")
    assert by_files.report is not None, by_files.output[-3000:]
    requests = len(scripted.requests)
    assert requests and all(r["headers"].get("authorization") == f"Bearer {key}" for r in scripted.requests)
    by_flags = bench(str(HELLO), "--agent=react", "--model=openai/scripted", "--runs=2", "--max-steps=20",
                     f"--llm-api-base={scripted.base_url}", f"--llm-prices={SCRIPTS / 'prices.json'}")
    assert len(scripted.requests) == 2 * requests  # the same conversation again
    assert {t["outcome"] for t in by_files.report["trials"]} == {"passed"}
    assert comparable(by_files.report) == comparable(by_flags.report)
    assert by_files.report["metadata"]["config"]["llm"]["models"]["openai/scripted"]["api_key"] == \
        "os.environ/MLDB_TEST_LLM_KEY"
    # the key reached the backend, and nothing the harness wrote or printed holds it
    assert files_holding(by_files.out_dir, key) == [] and key not in by_files.output


CALL_METER = """agent_cmd: |
  python3 -c "
  import json, os, urllib.error, urllib.request as u
  body = json.dumps(dict(model='m', messages=[dict(role='user', content='hi')])).encode()
  r = u.Request(os.environ['OPENAI_BASE_URL'] + '/chat/completions', data=body)
  r.add_header('Content-Type', 'application/json')
  r.add_header('Authorization', 'Bearer ' + os.environ['OPENAI_API_KEY'])
  try:
      print(u.urlopen(r).read().decode())
  except urllib.error.HTTPError as e:
      print('meter said', e.code, e.read().decode())
  "
"""


def test_a_backend_error_echoing_the_key_is_redacted(bench, key, tmp_path):
    echo = [{"error": {"status": 400, "message": f"Incorrect API key provided: {key}"}}]
    with ScriptedLLM(echo) as server:
        llm = litellm_yaml(tmp_path, server, name="coder")
        run_yaml = write(tmp_path / "run.yaml", f"paths: [{HELLO}]\nagents: [cli]\nmodels: [coder]\n" + CALL_METER)
        run = bench(f"--mldb-config={run_yaml}", f"--llm-config={llm}")
        assert [r["headers"].get("authorization") for r in server.requests] == [f"Bearer {key}"]
    trial = run.trial("cli")
    log = (Path(trial["artifacts_dir"]) / "agent.log").read_text()
    assert "meter said 400" in log and "Incorrect API key provided: ***" in log, log
    ledger = (Path(trial["artifacts_dir"]) / "llm_ledger.jsonl").read_text()
    assert "Incorrect API key provided: ***" in ledger
    assert files_holding(run.out_dir, key) == [] and key not in run.output
