"""GPU pinning: each xdist worker gets its own GPU; CPU-only tasks see none."""
from __future__ import annotations

from pathlib import Path

import pytest

from pytest_mldevbench import gpus

CASES = Path(__file__).parent / "data" / "gpu_cases"


def test_assign_spreads_workers_over_gpus():
    assert gpus.assign(["0", "1"], 1, worker=0) == "0"
    assert gpus.assign(["0", "1"], 1, worker=1) == "1"
    assert gpus.assign(["0", "1"], 1, worker=2) == "0"
    assert gpus.assign(["0", "1", "2", "3"], 2, worker=1) == "2,3"
    assert gpus.assign(["0", "1"], 0, worker=1) == ""
    assert gpus.assign([], 1, worker=0) == ""


def _seen(run) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for t in run.report["trials"]:
        out.setdefault(t["task_id"], set()).add(t["checks"][0]["name"].removeprefix("saw: "))
    return out


def test_workers_are_pinned_to_their_own_gpu(bench):
    run = bench(str(CASES), "--gpus=0,1", "-n", "2", "--runs=6")
    assert run.report is not None, run.output[-3000:]
    seen = _seen(run)
    assert seen["gpu_probe"] == {"0", "1"}, seen   # both workers ran trials, each on its own GPU
    assert seen["cpu_probe"] == {""}, seen          # gpus = 0: no GPU visible at all


def test_gpu_marker_selects_gpu_tasks(bench):
    run = bench(str(CASES), "--gpus=0", "-m", "gpu")
    assert {t["task_id"] for t in run.report["trials"]} == {"gpu_probe"}


@pytest.mark.parametrize("raw", ["0,x", ""])
def test_bad_gpu_lists(raw):
    with pytest.raises(ValueError):
        gpus.parse_gpu_list(raw)
