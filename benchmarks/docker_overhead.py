"""Per-trial overhead of the docker sandbox against the local (bubblewrap) sandbox.

    python benchmarks/docker_overhead.py [--runs 3] [--commands 10] [--case cases/extras/hello_world]

Two measurements:
1. one sandboxed command (`true`) with a trial's mounts, repeated: what every agent run and every graded
   script pays (docker: create + start + wait + remove a container and the Unix-socket bridge; local:
   start bubblewrap);
2. whole trials of a case with the oracle agent in each sandbox (pytest subprocesses), from the trials'
   recorded timings: prepare (copy in), agent, snapshot (copy out), grading, total.
Needs a Docker engine (images/setup-docker.sh). Timings on a shared machine are upper bounds.
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pytest_mldevbench.sandbox import SandboxSpec, get_sandbox  # noqa: E402
from pytest_mldevbench.taskenv import task_python  # noqa: E402


def command_overhead(name: str, n: int) -> list[float]:
    box = get_sandbox(name)
    box.check()
    root = Path(tempfile.mkdtemp(prefix=f"mldb-bench-{name}-"))
    ws, home = root / "ws", root / "home"
    ws.mkdir()
    home.mkdir()
    py = task_python()
    times = []
    for _ in range(n):
        spec = SandboxSpec(argv=["true"], cwd=ws, rw_paths=[ws, home], ro_paths=[py.parent.parent],
                           hidden_paths=[REPO], stdout=root / "log", cpus=1, memory_gb=1,
                           env={"PATH": f"{py.parent}:/usr/bin:/bin", "HOME": str(home),
                                "MLDB_ASSETS_URL": "http://127.0.0.1:9/t/x"})  # one bridged port, as in a trial
        start = time.monotonic()
        res = box.run(spec, timeout=120)
        times.append(time.monotonic() - start)
        if res.returncode != 0:
            raise SystemExit(f"{name}: `true` exited {res.returncode}: {(root / 'log').read_text()[-500:]}")
    return times


def trial_timings(sandbox: str, case: str, runs: int) -> list[dict]:
    out = Path(tempfile.mkdtemp(prefix=f"mldb-bench-trials-{sandbox}-"))
    cmd = [sys.executable, "-m", "pytest", case, "--agent=oracle", f"--runs={runs}", f"--sandbox={sandbox}",
           "--mldb-out", str(out), "-q", "-p", "no:cacheprovider", "--mldb-progress=0"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    report = out / "report.json"
    if not report.is_file():
        raise SystemExit(f"{sandbox}: no report (exit {proc.returncode})\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    trials = json.loads(report.read_text())["trials"]
    bad = [t["trial_id"] for t in trials if t["outcome"] != "passed"]
    if bad:
        raise SystemExit(f"{sandbox}: oracle trials did not pass: {bad}")
    return [t["timings"] for t in trials]


def fmt(xs: list[float]) -> str:
    return f"{statistics.median(xs):7.2f}" if xs else "      -"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3, help="trials per sandbox")
    ap.add_argument("--commands", type=int, default=10, help="sandboxed `true` commands per sandbox")
    ap.add_argument("--case", default="cases/extras/hello_world")
    args = ap.parse_args()

    print(f"one sandboxed command (`true`), median of {args.commands} [s]")
    cmd = {name: command_overhead(name, args.commands) for name in ("local", "docker")}
    for name, xs in cmd.items():
        print(f"  {name:7s} median {statistics.median(xs):.3f}  min {min(xs):.3f}  max {max(xs):.3f}")
    print(f"  docker - local: {statistics.median(cmd['docker']) - statistics.median(cmd['local']):+.3f} per command\n")

    keys = ("prepare_s", "agent_s", "snapshot_s", "grade_s", "total_s")
    print(f"whole trials of {args.case} with the oracle, median of {args.runs} [s]")
    print("  sandbox " + " ".join(f"{k[:-2]:>8s}" for k in keys))
    med = {}
    for sandbox in ("local", "docker"):
        rows = trial_timings(sandbox, args.case, args.runs)
        med[sandbox] = {k: statistics.median([r.get(k, 0.0) for r in rows]) for k in keys}
        print(f"  {sandbox:7s} " + " ".join(f"{med[sandbox][k]:8.2f}" for k in keys))
    print("  overhead" + " ".join(f"{med['docker'][k] - med['local'][k]:+8.2f}" for k in keys))


if __name__ == "__main__":
    main()
