"""memory.py: the bound's arithmetic, and the kernel enforcing it on one graded run (grading.run(memory_gb=))."""
from pathlib import Path

import pytest

from pytest_mldevbench.grading import memory

CASE = Path(__file__).resolve().parents[1] / "data" / "grading_cases" / "extras" / "memory_limit"


def test_bound_is_base_plus_the_capped_float32_values():
    assert memory.bound_bytes(30e6, 1.25, 512) == 512 * 2**20 + 150_000_000
    with pytest.raises(ValueError):
        memory.bound_bytes(0, 1.25, 512)


class _Grading:
    """The two things bound_gb asks of a grading context."""

    def __init__(self, gpu: bool):
        self.gpu = gpu

    def threshold(self, name):
        return {"max_params": 30e6, "census_factor": 1.25, "predict_base_mb": 896}[name]

    def gpu_visible(self, gpu=None):
        return self.gpu


def test_a_step_that_sees_a_gpu_gets_cudas_host_memory_on_top():
    cpu, gpu = memory.bound_gb(_Grading(False)), memory.bound_gb(_Grading(True))
    assert cpu * 2**30 == pytest.approx(896 * 2**20 + 150_000_000, abs=1)
    assert (gpu - cpu) * 1024 == pytest.approx(memory.GPU_HOST_MB)


def test_a_run_over_its_bound_is_ended_by_the_kernel(bench):
    trial = bench(str(CASE), "--agent=oracle").trial("oracle")
    if not trial["sandbox_limits"]["memory"].startswith("cgroup"):
        pytest.skip(f"no usable cgroup here ({trial['sandbox_limits']['memory']}): memory is capped per process")
    assert trial["outcome"] == "passed", (trial["detail"], trial["checks"])
    assert len(trial["checks"]) == 3
