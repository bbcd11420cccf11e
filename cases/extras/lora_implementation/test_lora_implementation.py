"""Validator for lora_implementation: only __init__ and forward changed; probes run the agent's LoraLinear on
grading-time sizes, values and inputs and a judge compares with the formula (hidden/judge.py); the visible
tests, run from their pristine copy, are shown."""
EDITABLE = ["LoraLinear.__init__", "LoraLinear.forward"]


def test_lora_implementation(grading):
    grading.check_protected("test_lora.py untouched")
    grading.check_regions("lora.py", EDITABLE, "only __init__ and forward changed")
    grading.observe_and_judge("probes.py", "judge.py", probe_timeout=120)
    visible = grading.run_tests(["test_lora.py"], expect_passed=8, timeout=grading.threshold("pytest_timeout_s"))
    grading.note("visible tests (pristine copy)", visible.summary())
