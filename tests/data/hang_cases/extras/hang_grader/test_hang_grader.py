"""A grader that waits forever in its own code, in the harness (used by tests/test_watchdog.py)."""
import threading


def test_hang_grader(trial):
    threading.Event().wait()  # nothing will ever set it
    trial.check("never reached", True)
