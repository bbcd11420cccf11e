"""The grading budget: the graded runs of one trial share its task's `grading_timeout_s` (wall clock)."""
from __future__ import annotations

import time

from ..errors import GradingTimeout


class GradingBudget:
    """Started when grading starts; every graded run gets at most what is left, and none starts without."""

    def __init__(self, seconds: float):
        self.seconds = float(seconds)
        self._start: float | None = None

    def start(self) -> None:
        self._start = time.monotonic()

    def left(self) -> float:
        used = 0.0 if self._start is None else time.monotonic() - self._start
        return self.seconds - used

    def timeout(self, requested: float | None, what: str) -> float:
        """The timeout for a run that asked for `requested` seconds (None: all that is left)."""
        left = self.left()
        if left <= 0:
            raise self.exhausted(what)
        return left if requested is None else min(float(requested), left)

    def exhausted(self, what: str) -> GradingTimeout:
        return GradingTimeout(f"grading ran out of its {self.seconds:g} s budget (task.toml grading_timeout_s) "
                              f"at `{what}`", pytrace=False)

    def after_timeout(self, what: str) -> None:
        """A run timed out: when that was the budget's end, the trial fails for it (not for that run's check)."""
        if self.left() <= 0.5:
            raise self.exhausted(what)
