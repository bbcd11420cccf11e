"""Ray executor: scheduling overhead per trial and speed-up with 1, 2 and 4 simulated nodes.

    python benchmarks/ray_scaling.py [--trials 8] [--nodes 1,2,4] [--no-local]

Runs N CPU-bound oracle trials (tests/ray/cases/extras/cpu_burn: a fixed sum in pure Python, one core,
`cpus = 1` in its task.toml) as one pytest session per configuration:
- local: `--executor local` (the baseline: the trials one after another in the pytest process);
- ray, k nodes: a fresh `ray.cluster_utils.Cluster` on loopback whose head offers no CPUs and k simulated
  worker nodes of 1 CPU each, so at most k trials run at once.
Printed per configuration: session wall time, the sum of the trials' own total_s (prepare → grade, from
result.json), overhead per trial = (wall − Σ total_s / concurrency) / N — for the local and 1-node runs
(concurrency 1) this is the scheduling cost a trial pays on top of its own work — the part of it spent on
the node (nested pytest session start, artifact tar: ray.json wall_s − total_s), and speed-up = wall(1 node)
/ wall(k nodes). All k simulated nodes share this machine's cores: the speed-up cannot exceed the
number of idle cores here.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CASE = REPO / "tests" / "ray" / "cases" / "extras" / "cpu_burn"


def session(out: Path, trials: int, extra: list[str]) -> float:
    cmd = [sys.executable, "-m", "pytest", str(CASE), f"--runs={trials}", "--mldb-out", str(out), "-q",
           "--mldb-progress=0", *extra]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        sys.exit(f"session failed ({' '.join(extra) or 'local'}):\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
    return wall


def records(out: Path) -> list[tuple[dict, dict | None]]:
    found = []
    for result in sorted(out.glob("cpu_burn__*/result.json")):
        ray_file = result.parent / "ray.json"
        found.append((json.loads(result.read_text()), json.loads(ray_file.read_text()) if ray_file.is_file() else None))
    return found


def summarize(label: str, wall: float, recs, concurrency: int, base: float | None) -> float:
    own = [r["timings"]["total_s"] for r, _ in recs]
    n = len(recs)
    overhead = (wall - sum(own) / concurrency) / n
    node = [info["attempts"][-1]["wall_s"] - r["timings"]["total_s"] for r, info in recs if info]
    node_txt = f"{statistics.median(node):6.2f}" if node else "     -"
    speed = f"{base / wall:5.2f}x" if base else "    -"
    print(f"{label:<12} {n:>6} {wall:9.1f} {sum(own):10.1f} {statistics.median(own):9.2f} "
          f"{overhead:12.2f} {node_txt:>10} {speed:>8}")
    return wall


def start_cluster(nodes: int):
    from ray.cluster_utils import Cluster
    os.environ.update(RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0", RAY_AUTH_MODE="disabled")  # loopback only
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "node_ip_address": "127.0.0.1",
                                                           "include_dashboard": False})
    for _ in range(nodes):
        cluster.add_node(num_cpus=1, node_ip_address="127.0.0.1", memory=4 * 2 ** 30)
    cluster.wait_for_nodes()
    return cluster


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=8)
    ap.add_argument("--nodes", default="1,2,4")
    ap.add_argument("--no-local", action="store_true", help="skip the local-executor baseline")
    args = ap.parse_args()
    nodes = [int(v) for v in args.nodes.split(",")]
    root = Path(tempfile.mkdtemp(prefix="mldb-ray-bench-"))
    print(f"{args.trials} cpu_burn oracle trials per session; machine: {os.cpu_count()} CPUs")
    print(f"{'executor':<12} {'trials':>6} {'wall_s':>9} {'sum_own_s':>10} {'med_own_s':>9} "
          f"{'overhead/tr':>12} {'node_ovh_s':>10} {'speed-up':>8}")
    if not args.no_local:
        out = root / "local"
        summarize("local", session(out, args.trials, []), records(out), 1, None)
    base = None
    for k in nodes:
        t0 = time.monotonic()
        cluster = start_cluster(k)
        started = time.monotonic() - t0
        try:
            out = root / f"ray{k}"
            wall = session(out, args.trials, ["--executor=ray", f"--ray-address={cluster.address}"])
        finally:
            cluster.shutdown()
        wall = summarize(f"ray {k} node{'s' * (k > 1)}", wall, records(out), k, base)
        base = base or wall
        print(f"{'':<12} (cluster start {started:.1f} s, not counted)")


if __name__ == "__main__":
    main()
