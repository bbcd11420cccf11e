"""Validator for shape_mismatch_output: the hidden entry script and hidden tests pass on the fixed model."""


def test_shape_mismatch_output(trial):
    trial.check_protected("run_model.py and __init__.py untouched")

    trial.add_hidden("run_model.py")
    run = trial.run_script(["python", "run_model.py"], timeout=120, report=True)
    report = run.report if isinstance(run.report, dict) else {}
    trial.check(
        "entry script succeeds and reports a (2, 10) output",
        run.returncode == 0 and "Model ran successfully" in run.stdout
        and report.get("output_shape") == [2, 10] and report.get("finite") is True,
        f"exit {run.returncode}; stdout tail: {run.stdout[-300:]!r}; stderr tail: {run.stderr[-300:]!r}; "
        f"report: {str(report)[:300]}",
    )

    trial.add_hidden("test_hidden.py")
    trial.run_pytest(["test_hidden.py"], expect_passed=4, timeout=240, check="hidden tests: 4 passed")
