"""A grader that waits forever in its own code, in the harness (used by tests/test_watchdog.py)."""
import threading


def test_hang_grader(grading):
    threading.Event().wait()  # nothing will ever set it
    grading.check("never reached", True)
