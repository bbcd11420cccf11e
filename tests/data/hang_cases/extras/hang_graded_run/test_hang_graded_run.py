"""A graded command (the agent's code, in the sandbox) that outlives the trial (used by tests/test_watchdog.py)."""


def test_hang_graded_run(trial):
    trial.run_script(["sleep", "86399"], timeout=86399)  # its own timeout is far past the watchdog
    trial.check("never reached", True)
