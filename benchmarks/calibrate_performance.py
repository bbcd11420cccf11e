"""Calibration of the performance tasks: measured baseline and oracle scores against their task.toml.

    MLDB_TASK_PYTHON=<task env python> python benchmarks/calibrate_performance.py [--profile smoke|full]
        [--runs 1] [--jobs 1] [--only TASK ...] [-- extra pytest args, e.g. -n 2 --gpus 0 --mldb-gpu-all]

Each performance case runs through pytest with the oracle and its `baseline-only` agent (tests/cheats: the
provided baseline as shipped). The recomputed metric of every trial (the threshold check's `value` in the JSON
report) is printed per task beside the stated baseline (`baseline_*` in task.toml), the target, and a verdict:
`ok` when every baseline run is below the target, every oracle run reaches it, and the stated baseline is within
--tolerance (a fraction of the target) of the measured mean. In `full` this is the release step that replaces
the placeholder baselines: run it on the real data and write the measured figures into task.toml.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import statistics
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.cheat_agents import cheat_agent_name  # noqa: E402

PERF = REPO / "cases" / "performance"
TARGET_KEYS = ("target_acc", "target_balanced_acc", "accuracy", "miou")


def thresholds(task: str, profile: str) -> tuple[float, float | None]:
    """(target, stated baseline) of a task in a profile."""
    values = tomllib.loads((PERF / task / "task.toml").read_text())["thresholds"][profile]
    target = next(values[k] for k in TARGET_KEYS if k in values)
    stated = next((v for k, v in values.items() if k.startswith("baseline_")), None)
    return target, stated


def run_task(task: str, profile: str, runs: int, extra: list[str], out: Path) -> dict[str, list]:
    """{agent: [metric per run]} from one pytest session (None where a trial measured nothing)."""
    baseline = cheat_agent_name(task, "baseline-only")
    report = out / task / "report.json"
    cmd = [sys.executable, "-m", "pytest", "-p", "tests.cheat_agents", "-p", "no:cacheprovider", "-q",
           str(PERF / task), f"--profile={profile}", f"--agent=oracle,{baseline}", f"--runs={runs}",
           "--mldb-out", str(out / task), *extra]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if not report.is_file():
        raise SystemExit(f"{task}: no report (exit {proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    found: dict[str, list] = {"oracle": [], "baseline": []}
    for trial in json.loads(report.read_text())["trials"]:
        values = [c["value"] for c in trial["checks"] if c.get("value") is not None]
        found["oracle" if trial["agent"] == "oracle" else "baseline"].append(values[-1] if values else None)
    return found


def verdict(target: float, stated: float | None, got: dict[str, list], tolerance: float) -> str:
    base, oracle = got["baseline"], got["oracle"]
    if None in base or None in oracle or not base or not oracle:
        return "a trial measured nothing (see its result.json)"
    problems = []
    if max(base) >= target:
        problems.append("a baseline run reaches the target")
    if min(oracle) < target:
        problems.append("an oracle run misses the target")
    if stated is not None and abs(stated - statistics.mean(base)) > tolerance * target:
        problems.append(f"stated baseline {stated:g} is off the measured mean {statistics.mean(base):.4g}")
    return "; ".join(problems) or "ok"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="smoke", choices=["smoke", "full"])
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1, help="tasks run at the same time (default: 1)")
    ap.add_argument("--only", nargs="*", default=None, help="task ids (default: every performance case)")
    ap.add_argument("--tolerance", type=float, default=0.05, help="stated-baseline tolerance, fraction of target")
    ap.add_argument("--out", type=Path, default=None, help="folder for the pytest outputs (default: a temp dir)")
    args, extra = ap.parse_known_args()
    extra = [a for a in extra if a != "--"]
    tasks = args.only or sorted(p.parent.name for p in PERF.glob("*/task.toml"))
    out = args.out or Path(tempfile.mkdtemp(prefix="mldb-calibrate-"))
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = dict(zip(tasks, pool.map(lambda t: run_task(t, args.profile, args.runs, extra, out), tasks)))
    fmt = lambda xs: " / ".join("-" if x is None else f"{x:.4g}" for x in xs)  # noqa: E731
    print(f"profile {args.profile}, {args.runs} run(s) per agent; outputs in {out}")
    print(f"{'task':38s} {'stated':>8s} {'baseline runs':>22s} {'target':>8s} {'oracle runs':>22s}  verdict")
    failed = 0
    for task, got in results.items():
        target, stated = thresholds(task, args.profile)
        v = verdict(target, stated, got, args.tolerance)
        failed += v != "ok"
        print(f"{task:38s} {'-' if stated is None else f'{stated:g}':>8s} {fmt(got['baseline']):>22s} "
              f"{target:>8g} {fmt(got['oracle']):>22s}  {v}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
