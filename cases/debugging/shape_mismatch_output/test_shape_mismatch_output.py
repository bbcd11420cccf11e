"""Validator for shape_mismatch_output: probes record the agent's model on images and weights drawn at grading,
layer by layer; a judge replays the layers with its own code and compares logits and gradients
(hidden/judge.py). The given entry script, run on the fixed model, is shown."""


def test_shape_mismatch_output(grading):
    grading.check_protected("run_model.py and __init__.py untouched")
    grading.observe_and_judge("probes.py", "judge.py", probe_timeout=120)
    run = grading.run(["python", "run_model.py"], timeout=120, writable=False)
    grading.note("python run_model.py", f"exit {run.returncode}: {run.stdout[-200:].strip()}")
