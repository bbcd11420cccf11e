"""Validator for nan_loss_debug: the locked check passes on the hidden copy and the hidden tests pass."""
import math


def test_nan_loss_debug(trial):
    trial.check_protected("test_model.py untouched")

    trial.add_hidden("test_model.py")
    run = trial.run_script(["python", "test_model.py"], timeout=120, report=True)
    report = run.report if isinstance(run.report, dict) else {}
    losses = report.get("losses", [])
    trial.check(
        "entry script succeeds and reports 20 finite losses",
        run.returncode == 0 and "Training successful" in run.stdout and len(losses) == 20
        and all(isinstance(v, float) and math.isfinite(v) for v in losses),
        f"exit {run.returncode}; stdout tail: {run.stdout[-300:]!r}; report: {str(report)[:300]}",
    )

    trial.add_hidden("test_hidden.py")
    trial.run_pytest(["test_hidden.py"], expect_passed=6, timeout=240, check="hidden tests: 6 passed")
