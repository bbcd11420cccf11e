"""Validator for nan_loss_debug: the agent's train.py is run by probes; a judge recomputes every loss and
gradient step from the recorded weights and data, from its own initialisation and from ones drawn at grading."""


def test_nan_loss_debug(grading):
    grading.check_protected("test_model.py untouched")
    grading.observe_and_judge("probes.py", "judge.py", probe_timeout=60)
    visible = grading.run(["python", "test_model.py"], timeout=60, writable=False)  # the given check, shown only
    grading.note("python test_model.py", f"exit {visible.returncode}: {visible.stdout[-200:].strip()}")
