"""Validator for shape_mismatch_train: the hidden entry script trains to the end on the real model and data."""
import json
import math


def test_shape_mismatch_train(trial):
    trial.check_protected("run_training.py and __init__.py untouched")

    work = trial.grading_dir
    for stale in ("best_model.pth", "train_metrics.json"):
        (work / stale).unlink(missing_ok=True)
    # the cheap hidden tests first: with --mldb-fail-fast a broken model or pipeline stops before the training run
    trial.add_hidden("test_hidden.py")
    trial.run_pytest(["test_hidden.py"], expect_passed=4, timeout=240, check="hidden tests: 4 passed")

    trial.add_hidden("run_training.py")
    run = trial.run_script(["python", "run_training.py"], timeout=trial.threshold("entry_timeout_s"), report=True)
    report = run.report if isinstance(run.report, dict) else {}
    trial.check(
        "entry script completes, prints the success line and reports a (3, 10) output",
        run.returncode == 0 and "Training ran successfully" in run.stdout and report.get("output_shape") == [3, 10],
        f"exit {run.returncode}, timed out {run.timed_out}; stdout tail: {run.stdout[-400:]!r}; "
        f"stderr tail: {run.stderr[-600:]!r}; report: {str(report)[:200]}",
    )

    problems = metrics_problems(work / "train_metrics.json")
    if (work / "best_model.pth").is_file():
        ckpt = trial.run_hidden_python("check_checkpoint.py", "best_model.pth", timeout=120)
        if not ckpt.get("loaded"):
            problems.append(f"best_model.pth does not load into a 10-class MobileNetV2: {ckpt.get('error')}")
    else:
        problems.append("best_model.pth was not written")
    trial.check("metrics and checkpoint of that run are sound", not problems, "; ".join(problems))



def metrics_problems(path) -> list[str]:
    """What is wrong with train_metrics.json: two epochs, finite numbers, best_val_acc = max val_acc."""
    try:
        metrics = json.loads(path.read_text())
        history, best = metrics["metrics_history"], metrics["best_val_acc"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"train_metrics.json missing or malformed: {exc}"]
    if not isinstance(history, list) or [h.get("epoch") if isinstance(h, dict) else None for h in history] != [1, 2]:
        return ["metrics_history must hold exactly epochs 1 and 2"]
    problems = []
    for h in history:
        values = [h.get(k) for k in ("train_loss", "val_loss", "train_acc", "val_acc")]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
            problems.append(f"epoch {h['epoch']}: non-numeric or non-finite values")
        elif not all(0 <= h[k] <= 100 for k in ("train_acc", "val_acc")):
            problems.append(f"epoch {h['epoch']}: accuracy outside [0, 100]")
    if not problems and best != max(h["val_acc"] for h in history):
        problems.append(f"best_val_acc {best} is not the best val_acc of the history")
    return problems
