"""Validator for var_implementation: only VAR.forward and VAR.autoregressive_infer_cfg changed; probes run them
on models, labels and inputs drawn at grading time and a judge recomputes logits and greedy generations with
the reference (hidden/judge.py); the visible tests, run from their pristine copy, are shown."""


def test_var_implementation(grading):
    grading.check_regions("var.py", ["VAR.forward", "VAR.autoregressive_infer_cfg"])
    timeout = 300 if grading.profile == "smoke" else 900
    inputs = grading.inputs("judge.py", timeout=timeout)  # the judge picks models with clear greedy choices
    grading.judge("judge.py", inputs, grading.observe("probes.py", inputs, probe_timeout=timeout), timeout=timeout)
    visible = grading.run_tests(["test_var.py"], expect_passed=3, timeout=timeout)
    grading.note("visible tests (pristine copy)", visible.summary())
