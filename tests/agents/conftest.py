"""Agent environments for the end-to-end tests: built once per machine (cached), timed, never skipped silently.

A test skips only when its agent's environment cannot be built here (e.g. no Python 3.12 for OpenHands),
and on CI (`CI` set) that is a failure instead: CI must exercise every agent.
"""
from __future__ import annotations

import os
import sys
import time

import pytest

from pytest_mldevbench.agents import AgentSetupError
from pytest_mldevbench.agents.registry import discover


def _dir_size_mb(path) -> float:
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total / 2**20


@pytest.fixture(scope="session")
def agent_ready():
    """`agent_ready(name)`: build the agent's environment (once) or skip/fail with the reason."""
    done: dict[str, str | None] = {}

    def ready(name: str) -> None:
        if name not in done:
            spec = discover()[name]
            start = time.monotonic()
            try:
                if spec.setup is not None:
                    spec.setup()
                done[name] = None
            except AgentSetupError as exc:
                done[name] = str(exc)
            print(f"\n[agent env] {name}: ready in {time.monotonic() - start:.1f}s", file=sys.stderr)
        if done[name] is not None:
            if os.environ.get("CI"):
                pytest.fail(f"{name}: environment cannot be built on CI: {done[name]}")
            pytest.skip(f"{name}: environment cannot be built here: {done[name]}")

    return ready
