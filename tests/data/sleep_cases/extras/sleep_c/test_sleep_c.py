"""Records when the oracle started and on which xdist worker (used by tests/test_schedule.py)."""
import os


def test_sleep_c(grading):
    started = float((grading.snapshot / "started").read_text())
    grading.check(f"started {started:.3f} on {os.environ.get('PYTEST_XDIST_WORKER', 'main')}", True)
