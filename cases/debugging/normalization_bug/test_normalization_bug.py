"""Validator for normalization_bug: validation is fixed without touching training, and the accuracy the
run reports agrees with the accuracy recomputed from its checkpoint on the full served test split."""
import json
import math

# The run size per benchmark profile; written as config.json (locked) into the workspace and the grading copy.
CONFIG = {
    "full": {"num_epochs": 2, "iterations_per_epoch": 100, "batch_size": 32, "num_workers": 2},
    "smoke": {"num_epochs": 2, "iterations_per_epoch": 80, "batch_size": 32, "num_workers": 0},
}


def write_config(trial, target) -> None:
    (target / "config.json").write_text(json.dumps(CONFIG[trial.profile], indent=2) + "\n")


def prepare_workspace(trial) -> None:
    write_config(trial, trial.workspace)


def test_normalization_bug(trial):
    trial.check_protected("run_training.py and config.json untouched")

    work = trial.grading_dir
    for stale in ("best_model.pth", "train_metrics.json"):
        (work / stale).unlink(missing_ok=True)
    # the cheap hidden tests first: with --mldb-fail-fast a broken pipeline stops before the training run
    trial.add_hidden("mnist_reference.py")
    trial.add_hidden("test_hidden.py")
    trial.run_pytest(["test_hidden.py"], expect_passed=3, timeout=300, check="hidden tests: 3 passed")

    trial.add_hidden("run_training.py")
    write_config(trial, work)
    run = trial.run_script(["python", "run_training.py"], timeout=trial.threshold("entry_timeout_s"), report=True)
    report = run.report if isinstance(run.report, dict) else {}
    trial.check(
        "entry script completes, prints the success line and writes its report",
        run.returncode == 0 and "Training ran successfully" in run.stdout and report.get("epochs") == 2,
        f"exit {run.returncode}, timed out {run.timed_out}; stdout tail: {run.stdout[-400:]!r}; "
        f"stderr tail: {run.stderr[-600:]!r}; report: {str(report)[:200]}",
    )

    best = reported_best(work / "train_metrics.json")
    if (work / "best_model.pth").is_file():
        result = trial.run_hidden_python("eval_ckpt.py", "best_model.pth", timeout=trial.threshold("entry_timeout_s"))
    else:
        result = {"loaded": False, "error": "best_model.pth was not written"}
    accuracy = result.get("accuracy") if result.get("loaded") else None
    minimum, gap = trial.threshold("min_test_acc"), trial.threshold("max_gap_points")
    trial.check(f"recomputed test accuracy >= {minimum:g}%", accuracy is not None and accuracy >= minimum,
                f"recomputed {accuracy}; {result.get('error', '')}")
    trial.check(f"best_val_acc within {gap:g} points of the recomputed accuracy",
                accuracy is not None and best is not None and abs(best - accuracy) <= gap,
                f"best_val_acc {best}, recomputed {accuracy}")


def reported_best(path):
    try:
        value = json.loads(path.read_text())["best_val_acc"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None
