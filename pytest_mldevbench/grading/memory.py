"""A memory bound for an untrusted run, derived from a parameter cap and enforced by the kernel, not the process.

A prediction step that may hold at most `census_factor x max_params` float32 values gets
`memory_gb = (predict_base_mb MiB + census_factor x max_params x 4 bytes) / GiB` (task thresholds; base_mb is the
measured need of the step with a tiny model plus headroom for activations, recorded in the task.toml). The
sandbox puts the run in a cgroup of its own with that memory.max (swap-less; the sandbox's /tmp and /dev/shm are
RAM and count too); going over it ends the run with the kernel's OOM kill, which `ScriptResult.oom` reports (on
a machine without cgroups the sandbox falls back to a per-process RLIMIT_DATA). Use, in a validator:

    report, score = grading.classify(..., memory_gb=memory.bound_gb(grading))

A prediction step that sees a GPU gets `GPU_HOST_MB` more: CUDA's own host memory (driver, context and kernel
images), which a CPU-only step does not pay. Without it the bound stops honest prediction on GPU machines
(measured on an H100 without usable cgroups: the CIFAR-10-LT oracle's step failed to start CUDA under a 1039 MiB
limit). What it cannot see: weights kept in GPU memory, or re-read from disk piece by piece during the forward
pass (file pages are reclaimable, not charged as resident).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .context import GradingContext

BYTES_PER_VALUE = 4  # float32
GPU_HOST_MB = 1024  # CUDA's host memory in a prediction step (see the docstring)


def bound_bytes(max_params: float, census_factor: float, base_mb: float) -> int:
    """memory.max in bytes for a process allowed `census_factor * max_params` float32 values above `base_mb`."""
    if min(max_params, census_factor, base_mb) <= 0:
        raise ValueError("max_params, census_factor and base_mb must be positive")
    return int(base_mb * 2**20 + census_factor * max_params * BYTES_PER_VALUE)


def bound_gb(grading: "GradingContext") -> float:
    """The bound from the task's thresholds `max_params`, `census_factor` and `predict_base_mb` (plus
    `GPU_HOST_MB` when the step's runs see a GPU), in GiB."""
    base_mb = grading.threshold("predict_base_mb") + (GPU_HOST_MB if grading.gpu_visible() else 0)
    return bound_bytes(grading.threshold("max_params"), grading.threshold("census_factor"), base_mb) / 2**30
