"""Probes that die in every way a probe can (used by tests/grading/test_observe_judge.py)."""
import ctypes
import os
import time


def run(name, inputs):
    import subject
    if name == "first":
        return {"value": subject.VALUE, "secret_seen": "seed" in inputs}
    if name == "raises":
        raise ValueError("a probe that raises")
    if name == "exits":
        os._exit(3)
    if name == "segfault":
        ctypes.string_at(0)
    if name == "hangs":
        while True:
            time.sleep(1)
    if name == "last":
        import torch
        return {"tensor": torch.arange(4) * inputs["factor"]}
    raise KeyError(name)
