"""Helpers for a task's judge (hidden `judge.py`), importable as `mldb_judge` in the judge process only.

    from mldb_judge import Checks, close

    def judge(inputs, observed, profile):
        checks = Checks()
        with checks.check("outputs equal the reference on grading-time inputs") as c:
            out = observed.need("forward")["out"]          # a failed probe fails this check with its error
            c.value = close(out, reference(inputs), rtol=1e-4)
        return checks

A check whose block raises (an assertion, a missing key, a failed probe, a wrong type in an observation)
fails with the exception's message; nothing the agent wrote can make a check pass except values that match.
"""
from __future__ import annotations

import importlib.util
import math
import os
from contextlib import contextmanager
from pathlib import Path


def pristine(relpath) -> Path:
    """A file of the task's workspace as given (our code and data, never the agent's copy)."""
    return Path(os.environ["MLDB_PRISTINE"]) / relpath


def import_pristine(relpath, name=None):
    """Import a given workspace module (e.g. the model code the task builds on) under a private name."""
    spec = importlib.util.spec_from_file_location(name or f"pristine_{Path(relpath).stem}", pristine(relpath))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class ProbeFailed(Exception):
    """A probe did not produce an observation (its exception, crash or timeout is the message)."""


class Observed:
    """The laundered observations of one `observe`: probe name -> the dict it returned (or its failure)."""

    def __init__(self):
        self._values, self._errors = {}, {}

    def add(self, name, value, failed=False):
        if failed:
            self._errors[name] = str(value.get("error") if isinstance(value, dict) else value)[:2000]
        elif not isinstance(value, dict):
            self._errors[name] = f"the probe's output is a {type(value).__name__}, not a dict"
        else:
            self._values[name] = value

    def need(self, name) -> dict:
        """The probe's output; raises ProbeFailed (which fails the enclosing check) when it has none."""
        if name in self._values:
            return self._values[name]
        raise ProbeFailed(f"probe {name}: {self._errors.get(name, 'no output (the probe did not run or its output was removed)')}")

    def failure(self, name):
        """The probe's error text, or None when it produced an output."""
        return None if name in self._values else self._errors.get(name, "no output")


class Slot:
    """What a check block may set: `value` (the measured number) and `detail` (kept when it fails)."""

    def __init__(self):
        self.value = None
        self.detail = ""


class Checks:
    """Named results of a judge, in order; `results` is what the harness records."""

    def __init__(self):
        self.results = []

    def record(self, name, ok, detail="", value=None):
        number = float(value) if finite(value) else None
        self.results.append({"name": str(name), "ok": bool(ok), "detail": "" if ok else str(detail)[:2000],
                             "value": number})
        return bool(ok)

    @contextmanager
    def check(self, name):
        slot = Slot()
        try:
            yield slot
        except Exception as exc:  # noqa: BLE001 - every failure of the block is this check's failure
            message = str(exc) or type(exc).__name__
            if not isinstance(exc, (AssertionError, ProbeFailed)):
                message = f"{type(exc).__name__}: {message}"
            self.record(name, False, message, slot.value)
        else:
            self.record(name, True, slot.detail, slot.value)


def finite(value) -> bool:
    """A real number (not a bool), finite."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _as_tensor(x):
    import torch
    if isinstance(x, torch.Tensor):
        return x.detach().to("cpu", torch.float64)
    return torch.as_tensor(x, dtype=torch.float64)


def close(actual, expected, rtol=1e-5, atol=1e-8, scale_atol=False, what="values") -> float:
    """Assert `actual` (an observation) equals `expected` (the reference) within tolerances; returns the largest
    absolute difference. Shapes must be equal and every value finite. `scale_atol` multiplies `atol` by the
    largest |expected| (a tolerance relative to the magnitude of the whole tensor)."""
    import torch
    a, e = _as_tensor(actual), _as_tensor(expected)
    assert tuple(a.shape) == tuple(e.shape), f"{what}: shape {tuple(a.shape)}, expected {tuple(e.shape)}"
    assert bool(torch.isfinite(a).all()), f"{what}: non-finite values"
    if e.numel() == 0:
        return 0.0
    tol = atol * (float(e.abs().max()) if scale_atol else 1.0)
    diff = (a - e).abs()
    bad = diff > tol + rtol * e.abs()
    worst = float(diff.max())
    assert not bool(bad.any()), (f"{what}: {int(bad.sum())} of {e.numel()} values differ from the reference "
                                 f"(largest difference {worst:.3g}, tolerance rtol={rtol:g} atol={tol:.3g})")
    return worst
