"""Per-trial overhead of the sandbox: hello_world oracle trials against the same commands run bare.

    python benchmarks/sandbox_overhead.py [--runs 20] [--repo PATH] [--sandbox local]

Runs `pytest cases/extras/hello_world --agent=oracle --runs N` in the checkout `--repo` (default: this one)
with this interpreter, and reads each trial's recorded timings. A hello_world oracle trial runs two sandboxed
commands: the agent (`bash solve.sh`) and one graded run (`python hello.py`). The same two commands are then
run N times without any sandbox (plain subprocesses, task python). The overhead is
median(agent_s + grade_s) − median(bare agent + bare graded run): what the sandbox adds to a trial. Run it with
the interpreter of another checkout (`--repo`) to compare versions; on a shared machine the figures are upper
bounds.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
CASE = "cases/extras/hello_world"


def trials(repo: Path, runs: int, sandbox: str) -> list[dict]:
    out = Path(tempfile.mkdtemp(prefix="mldb-overhead-"))
    try:
        cmd = [sys.executable, "-m", "pytest", CASE, "--agent=oracle", f"--runs={runs}", f"--sandbox={sandbox}",
               "--mldb-out", str(out), "-q", "-p", "no:cacheprovider"]
        proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
        report = out / "report.json"
        if not report.is_file():
            sys.exit(f"no report from {' '.join(cmd)}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        records = json.loads(report.read_text())["trials"]
        failed = [r["trial_id"] for r in records if r["outcome"] != "passed"]
        if failed:
            sys.exit(f"trials did not pass: {failed}")
        return records
    finally:
        shutil.rmtree(out, ignore_errors=True)


def bare(repo: Path, runs: int) -> list[float]:
    """The trial's two commands without a sandbox: solve.sh in a fresh workspace, then python hello.py."""
    sys.path.insert(0, str(repo))
    from pytest_mldevbench.taskenv import task_python
    py = str(task_python())
    solve = repo / CASE / "solution" / "solve.sh"
    times = []
    for _ in range(runs):
        ws = Path(tempfile.mkdtemp(prefix="mldb-bare-"))
        start = time.monotonic()
        subprocess.run(["bash", str(solve)], cwd=ws, check=True, capture_output=True)
        subprocess.run([py, "hello.py"], cwd=ws, check=True, capture_output=True)
        times.append(time.monotonic() - start)
        shutil.rmtree(ws)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--repo", type=Path, default=HERE)
    ap.add_argument("--sandbox", default="local")
    args = ap.parse_args()
    repo = args.repo.resolve()
    records = trials(repo, args.runs, args.sandbox)
    med = {k: statistics.median(r["timings"][k] for r in records)
           for k in ("prepare_s", "agent_s", "snapshot_s", "grade_s", "total_s")}
    sandboxed = statistics.median(r["timings"]["agent_s"] + r["timings"]["grade_s"] for r in records)
    plain = statistics.median(bare(repo, args.runs))
    print(f"checkout {repo} ({len(records)} hello_world oracle trials, sandbox {args.sandbox})")
    print("median per trial: " + ", ".join(f"{k} {v:.3f}" for k, v in med.items()))
    print(f"median agent_s + grade_s {sandboxed:.3f} s; the same two commands bare {plain:.3f} s; "
          f"sandbox overhead {sandboxed - plain:.3f} s per trial")


if __name__ == "__main__":
    main()
