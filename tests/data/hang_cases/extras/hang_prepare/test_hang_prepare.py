"""Preparation that starts a process of its own and then hangs (used by tests/test_watchdog.py)."""
import subprocess
import time


def prepare_workspace(trial):
    subprocess.Popen(["sleep", "86398"], start_new_session=True)  # outside any sandbox: only the watchdog ends it
    time.sleep(86400)


def test_hang_prepare(grading):
    grading.check("never reached", True)
