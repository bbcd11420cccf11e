"""A grader that waits forever on a graded command (used by tests/test_watchdog.py)."""


def test_hang_grader(trial):
    trial.run_script(["sleep", "86399"], timeout=86399)  # far past the watchdog
    trial.check("never reached", True)
