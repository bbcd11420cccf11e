"""Agent environments: cached by the hash of their pins, one clear line when they cannot be built."""
from __future__ import annotations

import pytest

from pytest_mldevbench.agents import AgentSetupError
from pytest_mldevbench.agents.agentenv import AgentEnv, find_python
from pytest_mldevbench.agents.registry import discover


def test_a_broken_requirement_is_one_clear_line_and_leaves_nothing_marked_ready(tmp_path, monkeypatch):
    monkeypatch.setenv("MLDB_CACHE", str(tmp_path / "cache"))
    req = tmp_path / "requirements.txt"
    req.write_text("this is not a requirement ===\n")
    env = AgentEnv("broken", req)
    with pytest.raises(AgentSetupError) as info:
        env.ensure(progress=lambda msg: None)
    message = str(info.value)
    assert "\n" not in message and "building the broken environment failed" in message
    assert ".build.log" in message
    assert not env.path.exists()


def test_the_cache_key_follows_the_pins(tmp_path, monkeypatch):
    monkeypatch.setenv("MLDB_CACHE", str(tmp_path))
    req = tmp_path / "requirements.txt"
    req.write_text("pkg==1.0\n")
    first = AgentEnv("x", req).path
    req.write_text("pkg==1.1\n")
    assert AgentEnv("x", req).path != first
    assert first.parent == tmp_path / "agents" and first.name.startswith("x-")


def test_no_interpreter_new_enough_is_a_setup_error(monkeypatch):
    monkeypatch.delenv("MLDB_AGENT_PYTHON", raising=False)
    with pytest.raises(AgentSetupError, match="no Python 3.99"):
        find_python((3, 99))


def test_wrapped_agents_are_registered_and_use_the_meter():
    agents = discover()
    for name in ("openhands", "aide", "mini-swe-agent", "cli"):
        assert agents[name].uses_model, name
    for name in ("openhands", "aide", "mini-swe-agent"):  # cli runs the user's own tool: nothing to build
        assert agents[name].setup is not None, name
