"""The meter's added latency stays within its budget (benchmarks/meter_latency.py, fewer rounds).

Targets: at most 5 ms median and 15 ms p95 added to a non-streamed call, at most 10 ms added to the
first content chunk of a streamed one, measured against the scripted server with client, meter and
backend in separate processes; and every call of the run recorded exactly. Up to three measurements are
taken, since a shared machine's load spikes reach the p95: a meter that adds the latency fails all three.
"""
from __future__ import annotations

import importlib.util
import statistics
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "meter_latency.py"
CALLS = 200
ATTEMPTS = 3


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("meter_latency", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("stream", [False, True], ids=["non-streaming", "streaming"])
def test_added_latency_is_within_target(bench, stream):
    seen = []
    for _ in range(ATTEMPTS):
        result = bench.measure(CALLS, stream)
        usage, calls = result["usage"], CALLS + bench.WARMUP
        assert (usage.calls, usage.prompt_tokens, usage.completion_tokens, usage.estimated_calls) == (
            calls, 12 * calls, 6 * calls, 0)
        added = result["parts"]["first" if stream else "end"]["added"]
        median, p95 = statistics.median(added) * 1000, bench.p95(added) * 1000
        seen.append(f"median {median:.2f} ms, p95 {p95:.2f} ms")
        print(f"added latency ({'first chunk' if stream else 'call'}): {seen[-1]}")
        if (median <= 10) if stream else (median <= 5 and p95 <= 15):
            return
    pytest.fail(f"added latency over target in {ATTEMPTS} measurements: {'; '.join(seen)}")
