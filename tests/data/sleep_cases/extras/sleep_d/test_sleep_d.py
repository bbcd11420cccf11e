"""Records when the oracle started and on which xdist worker (used by tests/test_schedule.py)."""
import os


def test_sleep_d(trial):
    started = float((trial.snapshot / "started").read_text())
    trial.check(f"started {started:.3f} on {os.environ.get('PYTEST_XDIST_WORKER', 'main')}", True)
