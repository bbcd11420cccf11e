"""Measure the meter's added latency per LLM call against the scripted server.

Each round sends the same chat-completions request once straight to the scripted server and once
through the meter (alternating, over keep-alive connections) and prints the median and p95 of both
and of the per-round difference (the meter's added latency).

    python benchmarks/meter_latency.py [--calls 1000] [--stream]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pytest_mldevbench.meter import Meter  # noqa: E402
from tests.scripted_llm import ScriptedLLM, text_reply  # noqa: E402

WARMUP = 20


def p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, int(round(0.95 * len(xs))) - 1)]


def timed_call(client: httpx.Client, url: str, key: str, body: dict, stream: bool) -> float:
    t0 = time.perf_counter()
    if stream:
        with client.stream("POST", url, json=body, headers={"Authorization": f"Bearer {key}"}) as r:
            r.raise_for_status()
            for _ in r.iter_bytes():
                pass
    else:
        client.post(url, json=body, headers={"Authorization": f"Bearer {key}"}).raise_for_status()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--stream", action="store_true")
    args = ap.parse_args()
    n = args.calls + WARMUP
    body = {"model": "scripted", "stream": args.stream,
            "messages": [{"role": "user", "content": "Say something short."}]}
    with ScriptedLLM([text_reply("A short scripted answer.", prompt_tokens=12,
                                 completion_tokens=6)] * (2 * n)) as server, \
            tempfile.TemporaryDirectory() as tmp:
        meter = Meter.start(api_base=server.base_url)
        key = meter.open_trial("bench", "openai/scripted", Path(tmp) / "ledger.jsonl")
        direct, metered = [], []
        with httpx.Client(timeout=60) as client:
            for i in range(n):
                d = timed_call(client, f"{server.base_url}/chat/completions", "x", body, args.stream)
                m = timed_call(client, f"{meter.openai_base_url}/chat/completions", key, body,
                               args.stream)
                if i >= WARMUP:
                    direct.append(d)
                    metered.append(m)
        usage = meter.close_trial(key)
        meter.stop()
    added = [m - d for m, d in zip(metered, direct)]
    ms = lambda x: f"{1000 * x:7.2f} ms"  # noqa: E731
    print(f"meter latency over {len(added)} calls ({'streaming' if args.stream else 'non-streaming'})")
    print(f"  direct   median {ms(statistics.median(direct))}  p95 {ms(p95(direct))}")
    print(f"  metered  median {ms(statistics.median(metered))}  p95 {ms(p95(metered))}")
    print(f"  added    median {ms(statistics.median(added))}  p95 {ms(p95(added))}")
    print(f"  ledger: {usage.calls} calls recorded")


if __name__ == "__main__":
    main()
