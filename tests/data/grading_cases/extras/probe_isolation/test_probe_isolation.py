"""Validator of the probe isolation case (tests/grading/test_observe_judge.py)."""


def test_probe_isolation(grading):
    grading.observe_and_judge("probes.py", "judge.py", probe_timeout=15)
