"""Fixtures for the meter and ReAct tests: scripted backend + meter, with registered prices."""
from __future__ import annotations

import functools
import json

import httpx
from pathlib import Path
from typing import Callable, Iterator

import pytest

from pytest_mldevbench.meter import Meter
from tests.scripted_llm import ScriptedLLM

SCRIPTS = Path(__file__).resolve().parents[1] / "scripted_llm"
#: custom model names with registered prices, so every cost in these tests is exact
PRICES: dict[str, dict[str, float]] = json.loads((SCRIPTS / "prices.json").read_text())


def expected_cost(model: str, prompt: int, completion: int, cached: int = 0,
                  creation: int = 0) -> float:
    """The cost the meter must charge, from PRICES (prompt includes cached and creation)."""
    p = PRICES[model]
    return ((prompt - cached - creation) * p["input_cost_per_token"]
            + cached * p.get("cache_read_input_token_cost", p["input_cost_per_token"])
            + creation * p.get("cache_creation_input_token_cost", p["input_cost_per_token"])
            + completion * p["output_cost_per_token"])


@pytest.fixture(autouse=True)
def _patient_httpx(monkeypatch):
    """httpx's 5 s default is too short for litellm's first call on a loaded 2-core machine."""
    for name in ("post", "get", "stream"):
        monkeypatch.setattr(httpx, name, functools.partial(getattr(httpx, name), timeout=120))


@pytest.fixture(scope="session")
def prices_file() -> Path:
    return SCRIPTS / "prices.json"


@pytest.fixture
def metered(prices_file: Path) -> Iterator[Callable[..., tuple[ScriptedLLM, Meter]]]:
    """metered(script, root=False) -> (scripted server, meter forwarding to it); both stopped after.

    root=True points the meter at the server root (for the anthropic provider, which appends /v1).
    """
    started: list = []

    def make(script: list[dict], root: bool = False) -> tuple[ScriptedLLM, Meter]:
        server = ScriptedLLM(script).start()
        started.append(server)
        meter = Meter.start(api_base=server.root_url if root else server.base_url,
                            prices_file=prices_file)
        started.append(meter)
        return server, meter

    yield make
    for thing in reversed(started):
        thing.stop()
