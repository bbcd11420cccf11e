"""Validator for mla_implementation: only MLA.forward changed; probes run the agent's MLA on grading-time
weights, RoPE tables and inputs and a judge compares with the float64 reference (hidden/judge.py); the visible
tests, run from their pristine copy, are shown."""


def test_mla_implementation(grading):
    grading.check_protected()
    grading.check_regions("mla.py", ["MLA.forward"], "only MLA.forward changed")
    grading.observe_and_judge("probes.py", "judge.py", probe_timeout=120)
    visible = grading.run_tests(["test_mla.py"], expect_passed=12, timeout=grading.threshold("pytest_timeout_s"))
    grading.note("visible tests (pristine copy)", visible.summary())
