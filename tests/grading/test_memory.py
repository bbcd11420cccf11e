"""memory.py: the bound's arithmetic, and the kernel enforcing it on one graded run (grading.run(memory_gb=))."""
from pathlib import Path

import pytest

from pytest_mldevbench.grading import memory

CASE = Path(__file__).resolve().parents[1] / "data" / "grading_cases" / "extras" / "memory_limit"


def test_bound_is_base_plus_the_capped_float32_values():
    assert memory.bound_bytes(30e6, 1.25, 512) == 512 * 2**20 + 150_000_000
    with pytest.raises(ValueError):
        memory.bound_bytes(0, 1.25, 512)


def test_a_run_over_its_bound_is_ended_by_the_kernel(bench):
    trial = bench(str(CASE), "--agent=oracle").trial("oracle")
    if not trial["sandbox_limits"]["memory"].startswith("cgroup"):
        pytest.skip(f"no usable cgroup here ({trial['sandbox_limits']['memory']}): memory is capped per process")
    assert trial["outcome"] == "passed", (trial["detail"], trial["checks"])
    assert len(trial["checks"]) == 3
