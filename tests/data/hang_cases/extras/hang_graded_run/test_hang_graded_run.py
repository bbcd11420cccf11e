"""A graded command (the agent's code, in the sandbox) that outlives the trial (used by tests/test_watchdog.py)."""


def test_hang_graded_run(grading):
    grading.run(["sleep", "86399"], timeout=86399)  # its own timeout is far past the watchdog
    grading.check("never reached", True)
