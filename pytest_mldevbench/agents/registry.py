"""Find agents: the `mldevbench.agents` entry-point group plus the `pytest_mldevbench_agents` hook."""
from __future__ import annotations

import re
from importlib.metadata import entry_points

from .spec import AgentSpec

GROUP = "mldevbench.agents"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def discover(config=None) -> dict[str, AgentSpec]:
    agents: dict[str, AgentSpec] = {}
    for ep in entry_points(group=GROUP):
        agents[ep.name] = _load(ep)
    if config is not None:
        for specs in config.hook.pytest_mldevbench_agents(config=config):
            for spec in specs or []:
                agents[spec.name] = spec
    for name, spec in agents.items():
        if not NAME.match(name):
            raise ValueError(f"agent name {name!r} is not valid (letters, digits, '.', '_', '-')")
    return agents


def _load(ep) -> AgentSpec:
    obj = ep.load()
    spec = obj() if callable(obj) and not isinstance(obj, AgentSpec) else obj
    if not isinstance(spec, AgentSpec):
        raise TypeError(f"entry point {ep.name!r} in {GROUP} did not give an AgentSpec")
    if spec.name != ep.name:
        spec = AgentSpec(**{**spec.__dict__, "name": ep.name})
    if not spec.version and getattr(ep, "dist", None) is not None:
        spec = AgentSpec(**{**spec.__dict__, "version": f"{ep.dist.name} {ep.dist.version}"})
    return spec
