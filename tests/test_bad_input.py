"""Bad input to any option is a usage error (exit 4) of one line, before any trial runs (issue 24, item 6)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HELLO = REPO / "cases" / "extras" / "hello_world"
CLI = ["--agent=cli", "--model=openai/scripted", "--llm-api-base=http://127.0.0.1:9/v1"]


@pytest.fixture
def hello(pytester):
    shutil.copytree(HELLO, pytester.path / "cases" / "extras" / "hello_world")
    shutil.copy(REPO / "conftest.py", pytester.path / "conftest.py")
    (pytester.path / "a_file").write_text("x")
    (pytester.path / "a_folder").mkdir()
    (pytester.path / "prices.json").write_text('{"openai/x": {"input_cost_per_token": 1e-6}}')
    return pytester


@pytest.mark.parametrize("args, message", [
    (["--mldb-out=a_file"], "--mldb-out must be a folder, but {path}/a_file is a file"),
    (["--mldb-out=a_file/out"], "--mldb-out: cannot write to {path}/a_file/out: Not a directory"),
    (["--mldb-out=/proc/mldb-out"], "--mldb-out: cannot write to /proc/mldb-out: No such file or directory"),
    (["--mldb-json=a_folder"], "--mldb-json must be a file, but {path}/a_folder is a folder"),
    (["--mldb-json=a_file/report.json"], "--mldb-json: cannot write {path}/a_file/report.json: {path}/a_file is a file"),
    ([*CLI, "--agent-cmd=my-agent {nosuch}"], "--agent-cmd has an unknown placeholder {nosuch}; known: {prompt_file},"),
    ([*CLI, "--agent-cmd=awk '{print $1}' {prompt_file}"], "--agent-cmd has an unknown placeholder {print $1}"),
    ([*CLI, "--agent-cmd=my-agent {prompt_file"], "--agent-cmd is not a valid template"),
    (["--llm-prices=prices.json"], "--llm-prices: prices file prices.json: 'openai/x' needs numeric"),
    (["--llm-prices=a_folder"], "--llm-prices file not found: a_folder"),
    (["--llm-config=nosuch.yaml"], "--llm-config: cannot read nosuch.yaml: No such file or directory"),
    (["--llm-api-base=127.0.0.1:8000"], "--llm-api-base must be an http(s) URL such as http://host:8000/v1"),
    (["--agent-timeout=nan"], "--agent-timeout expects a finite number, got 'nan'"),
    (["--max-cost=inf"], "--max-cost expects a finite number, got 'inf'"),
    (["--mldb-progress=-1"], "--mldb-progress must be at least 0"),
    (["--runs=-2"], "--runs must be at least 1"),
    (["--gpus=0,-1"], "--gpus expects a comma list of GPU indices"),
])
def test_bad_option_is_one_line_before_any_trial(hello, args, message):
    result = hello.runpytest("cases", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.outlines[-5:]
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1 and message.replace("{path}", str(hello.path)) in errors[0], result.errlines
    assert not any("test_hello_world" in line for line in result.outlines)  # nothing ran


def test_bad_watchdog_margin_is_a_usage_error(hello, monkeypatch):
    monkeypatch.setenv("MLDB_WATCHDOG_MARGIN_S", "ten minutes")
    result = hello.runpytest("cases")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert any("MLDB_WATCHDOG_MARGIN_S must be a number of seconds >= 0" in line for line in result.errlines)


def test_a_file_as_output_folder_prints_one_line_and_nothing_else(tmp_path):
    target = tmp_path / "a_file"
    target.write_text("x")
    proc = subprocess.run([sys.executable, "-m", "pytest", str(HELLO), "--mldb-out", str(target)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 4
    assert proc.stderr.strip().splitlines() == [f"ERROR: --mldb-out must be a folder, but {target} is a file"]
    assert proc.stdout.strip() == ""


def test_agent_cmd_check_knows_the_drivers_placeholders():
    """The check before the run and the driver in the sandbox (which cannot import the package) agree."""
    import ast

    from pytest_mldevbench.agents.cli import PLACEHOLDERS
    tree = ast.parse((REPO / "agents" / "cli" / "main.py").read_text())
    driver = next(ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                  and any(getattr(t, "id", "") == "PLACEHOLDERS" for t in node.targets))
    assert tuple(driver) == PLACEHOLDERS
