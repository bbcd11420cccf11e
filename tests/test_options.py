"""Options, parametrisation ids, markers and bad input (pytester, in-process)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HELLO = REPO / "cases" / "extras" / "hello_world"


@pytest.fixture
def cases(pytester):
    """A copy of two real cases inside pytester's directory."""
    for case in (HELLO, REPO / "cases" / "debugging" / "nan_loss_debug"):
        shutil.copytree(case, pytester.path / "cases" / case.parent.name / case.name)
    shutil.copy(REPO / "conftest.py", pytester.path / "conftest.py")
    return pytester


def collected_ids(result) -> list[str]:
    return sorted(line.split("::")[-1] for line in result.outlines if "::" in line)


def test_ids_cross_agents_and_runs(cases):
    result = cases.runpytest("cases", "--agent=oracle,null", "--runs=2", "--collect-only", "-q")
    assert result.ret == 0
    assert collected_ids(result) == sorted(
        f"{t}[{a}-{r}]" for t in ("test_hello_world", "test_nan_loss_debug") for a in ("oracle", "null") for r in (1, 2))


def test_category_markers_select_tasks(cases):
    result = cases.runpytest("cases", "-m", "debugging", "--collect-only", "-q")
    assert collected_ids(result) == ["test_nan_loss_debug[oracle-1]"]
    result = cases.runpytest("cases", "-k", "extras", "--collect-only", "-q")
    assert collected_ids(result) == ["test_hello_world[oracle-1]"]


@pytest.mark.parametrize("args, message", [
    (["--agent=nosuch"], "unknown agent 'nosuch' in --agent; known agents:"),
    (["--agent=oracle,oracle"], "--agent lists an agent twice"),
    (["--runs=0"], "--runs must be at least 1"),
    (["--runs=two"], "--runs expects an integer"),
    (["--sandbox=vm"], "--sandbox must be one of local, docker"),
    (["--profile=huge"], "--profile must be one of smoke, full"),
    (["--max-cost=lots"], "--max-cost expects a number"),
    (["--gpus=a,b"], "--gpus expects a comma list of GPU indices"),
    (["--model=bad name"], "--model has a malformed name"),
])
def test_bad_input_is_a_usage_error(cases, args, message):
    result = cases.runpytest("cases", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1 and message in errors[0], result.errlines


@pytest.mark.parametrize("edit, field", [
    (lambda t: t.replace('name = "Hello world"', ""), "field 'name'"),
    (lambda t: t.replace('category = "extras"', 'category = "misc"'), "field 'category'"),
    (lambda t: t + "\n[resources.smoke]\ncpus = -1\n", "field 'resources.cpus'"),
    (lambda t: t + "\n[thresholds.smoke]\naccuracy = \"high\"\n", "field 'thresholds.smoke.accuracy'"),
    # a stated budget (wall_time_s, cpus, gpus, ram_gb) must be the enforced resource
    (lambda t: t + "\n[thresholds.smoke]\nwall_time_s = 5\n", "field 'thresholds.smoke.wall_time_s'"),
    (lambda t: t + "\n[files]\nprotected = \"x.py\"\n", "field 'files.protected'"),
    (lambda t: t + "\nid = \n", "not valid TOML"),
])
def test_malformed_task_fails_collection_with_one_line(cases, edit, field):
    toml = cases.path / "cases" / "extras" / "hello_world" / "task.toml"
    toml.write_text(edit(toml.read_text()))
    result = cases.runpytest("cases", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    lines = [line for line in result.outlines if str(toml) in line and field in line]
    assert lines, result.outlines
    # the other case still collects
    assert "test_nan_loss_debug[oracle-1]" in "\n".join(result.outlines)


def test_plain_pytest_runs_are_untouched(pytester):
    pytester.makepyfile("def test_x():\n    assert True\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    assert "ML-Dev-Bench results" not in result.stdout.str()
