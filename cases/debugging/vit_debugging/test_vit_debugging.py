"""Validator for vit_debugging: probes run the agent's dino_v2 on weights, images and masks drawn at grading and
a judge compares every output and gradient with the bug-free reference (hidden/judge.py); the visible tests,
run from their pristine copy, are shown."""


def test_vit_debugging(grading):
    grading.check_protected("test_vision_transformer.py untouched")
    grading.observe_and_judge("probes.py", "judge.py", probe_timeout=180)
    visible = grading.run_tests(["test_vision_transformer.py"], expect_passed=11, timeout=300)
    grading.note("visible tests (pristine copy)", visible.summary())
