"""GPU discovery and pinning: each xdist worker gets its own GPU(s); CPU-only tasks see none."""
from __future__ import annotations

import os
import shutil
import subprocess


def parse_gpu_list(value: str) -> list[str]:
    ids = [v.strip() for v in value.split(",") if v.strip()]
    if not ids or not all(v.isdigit() for v in ids):
        raise ValueError(f"--gpus expects a comma list of GPU indices such as 0,1 (got {value!r})")
    return ids


def detect() -> list[str]:
    """Visible GPU indices: CUDA_VISIBLE_DEVICES if set, else nvidia-smi, else none."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [v for v in visible.split(",") if v.strip() and v.strip() != "-1"]
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in out.splitlines() if line.strip().isdigit()]


def worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    digits = "".join(ch for ch in worker if ch.isdigit())
    return int(digits or 0)


def assign(gpus: list[str], needed: int, worker: int | None = None) -> str:
    """CUDA_VISIBLE_DEVICES for a trial needing `needed` GPUs on this worker ("" when none)."""
    if needed <= 0 or not gpus:
        return ""
    worker = worker_index() if worker is None else worker
    start = (worker * needed) % len(gpus)
    return ",".join(gpus[(start + i) % len(gpus)] for i in range(min(needed, len(gpus))))
