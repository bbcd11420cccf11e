"""Measure the meter's added latency per LLM call against the scripted server.

Each round sends the same chat-completions request once straight to the scripted server and once
through the meter (alternating, over keep-alive connections) and prints the median and p95 of both
and of the per-round difference (the meter's added latency). Streaming rounds are timed to the first
content chunk (what an agent waits for before it sees tokens) and to the end of the stream.

As in a trial, the three parties are separate processes: the scripted backend, the meter (in this
process, as in the harness) and the client (an agent). `--in-process` runs the client and the backend
as threads of this process instead, where they contend with the meter for one interpreter lock.

    python benchmarks/meter_latency.py [--calls 1000] [--stream] [--in-process]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from pytest_mldevbench.meter import Meter  # noqa: E402
from tests.scripted_llm import ScriptedLLM, text_reply  # noqa: E402

WARMUP = 20
REPLY = text_reply("A short scripted answer.", prompt_tokens=12, completion_tokens=6)


def p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, int(round(0.95 * len(xs))) - 1)]


def _has_content(data: str) -> bool:
    try:
        chunk = json.loads(data)
    except ValueError:
        return False
    return any((c.get("delta") or {}).get("content") for c in chunk.get("choices") or [])


def timed_call(client: httpx.Client, url: str, key: str, body: dict, stream: bool) -> tuple[float, float]:
    """(seconds to the first content chunk, seconds to the end); both the same without streaming."""
    t0 = time.perf_counter()
    headers = {"Authorization": f"Bearer {key}"}
    if not stream:
        client.post(url, json=body, headers=headers).raise_for_status()
        t = time.perf_counter() - t0
        return t, t
    first = None
    with client.stream("POST", url, json=body, headers=headers) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if first is None and line.startswith("data:") and _has_content(line[5:]):
                first = time.perf_counter() - t0
    return first if first is not None else float("nan"), time.perf_counter() - t0


def rounds(direct_url: str, meter_url: str, key: str, calls: int, stream: bool) -> dict:
    """Alternate direct and metered calls; the timings after the warm-up."""
    body = {"model": "scripted", "stream": stream,
            "messages": [{"role": "user", "content": "Say something short."}]}
    out: dict[str, list[float]] = {"direct_first": [], "direct_end": [], "metered_first": [],
                                   "metered_end": []}
    with httpx.Client(timeout=60) as client:
        for i in range(calls + WARMUP):
            d = timed_call(client, f"{direct_url}/chat/completions", "x", body, stream)
            m = timed_call(client, f"{meter_url}/chat/completions", key, body, stream)
            if i >= WARMUP:
                out["direct_first"].append(d[0])
                out["direct_end"].append(d[1])
                out["metered_first"].append(m[0])
                out["metered_end"].append(m[1])
    return out


def client_main(argv: list[str]) -> None:
    """The client process: run the rounds and print their timings as JSON."""
    direct_url, meter_url, key, calls, stream = argv
    print(json.dumps(rounds(direct_url, meter_url, key, int(calls), stream == "1")))


def _backend(tmp: Path, n: int, in_process: bool):
    if in_process:
        server = ScriptedLLM([REPLY] * n).start()
        return server.base_url, server.stop
    script, port_file = tmp / "script.json", tmp / "port"
    script.write_text(json.dumps([REPLY] * n))
    proc = subprocess.Popen([sys.executable, str(REPO / "tests" / "scripted_llm.py"), str(script),
                             "--single", "--port-file", str(port_file)], stdout=subprocess.DEVNULL)
    deadline = time.time() + 60
    while not (port_file.exists() and port_file.read_text()) and time.time() < deadline:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port_file.read_text()}/v1", lambda: (proc.terminate(), proc.wait())


def measure(calls: int, stream: bool, in_process: bool = False) -> dict:
    """Run the rounds; the timings by part (`first`, `end`: lists of direct, metered and added seconds)
    and the ledger's Usage."""
    with tempfile.TemporaryDirectory() as tmp:
        base_url, stop_backend = _backend(Path(tmp), 2 * (calls + WARMUP), in_process)
        meter = Meter.start(api_base=base_url)
        try:
            key = meter.open_trial("bench", "openai/scripted", Path(tmp) / "ledger.jsonl")
            run_args = [base_url, meter.openai_base_url, key, str(calls), "1" if stream else "0"]
            if in_process:
                t = rounds(base_url, meter.openai_base_url, key, calls, stream)
            else:
                t = json.loads(subprocess.run([sys.executable, __file__, "--client", *run_args],
                                              capture_output=True, text=True, check=True).stdout)
            usage = meter.close_trial(key)
        finally:
            meter.stop()
            stop_backend()
    parts = {part: {"direct": t[f"direct_{part}"], "metered": t[f"metered_{part}"],
                    "added": [m - d for m, d in zip(t[f"metered_{part}"], t[f"direct_{part}"])]}
             for part in ("first", "end")}
    return {"parts": parts, "usage": usage}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--stream", action="store_true")
    ap.add_argument("--in-process", action="store_true",
                    help="client and backend as threads of the meter's process (the old layout)")
    args = ap.parse_args()
    result = measure(args.calls, args.stream, args.in_process)
    ms = lambda x: f"{1000 * x:7.2f} ms"  # noqa: E731
    layout = "in one process" if args.in_process else "client, meter and backend in separate processes"
    print(f"meter latency over {args.calls} calls ({'streaming' if args.stream else 'non-streaming'}; "
          f"{layout})")
    for part in (["first", "end"] if args.stream else ["end"]):
        if args.stream:
            print(f" to the {'first content chunk' if part == 'first' else 'end of the stream'}:")
        for name, xs in result["parts"][part].items():
            print(f"  {name:8} median {ms(statistics.median(xs))}  p95 {ms(p95(xs))}")
    usage = result["usage"]
    print(f"  ledger: {usage.calls} calls recorded, {usage.prompt_tokens} prompt and "
          f"{usage.completion_tokens} completion tokens ({usage.estimated_calls} estimated)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--client"]:
        client_main(sys.argv[2:])
    else:
        main()
