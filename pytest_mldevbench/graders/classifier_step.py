"""The prediction step of the CIFAR classification performance cases (validator side, in the grader process).

The grader's `classifier_predict.py` runs in the sandbox on a copy of the snapshot (the agent's model code,
the pristine locked files) on the evaluation *inputs only* and reports the parameter count and a live-tensor
census; the labels stay grader-side and `classifier_score.py`, which imports no agent code, scores them."""
from __future__ import annotations

import shutil
from pathlib import Path

IO_DIR = "_grader_io"
# the shared scripts (this folder), placed into the grader-private hidden copy under these names
SHARED_HIDDEN = {"classifier_inputs.py": "make_inputs.py", "classifier_predict.py": "predict_classifier.py",
                 "classifier_score.py": "score_predictions.py"}


def reset(path: Path) -> None:
    """Remove a file, link or folder (whatever the agent left there)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def inside(root: Path, rel: str) -> Path | None:
    """root/rel if it exists and resolves inside root (a symlink out of the snapshot counts as missing)."""
    path = root / rel
    try:
        return path if path.exists() and path.resolve().is_relative_to(root.resolve()) else None
    except (OSError, RuntimeError):
        return None


def prediction_step(trial, eval_source: Path, *, locked: list[str], num_classes: int, mean: tuple[str, ...],
                    std: tuple[str, ...], input_seed: int) -> tuple[dict, dict]:
    """Inputs-only prediction in the sandbox, then grader-side scoring. Returns (report, score).

    `locked` workspace files are restored from the pristine copy first; `eval_source` is the hidden evaluation
    batch (CIFAR pickle); `mean`/`std` (as strings) normalise the inputs the way the case's dataset code does."""
    for name, dest in SHARED_HIDDEN.items():
        trial.add_grader_file(name, dest, hidden=True)
    work = trial.grading_dir
    for name in locked:  # the pristine copies, whatever the agent left there
        reset(work / name)
        shutil.copyfile(trial.task.workspace / name, work / name)
    io = work / IO_DIR
    reset(io)
    private = trial.hidden_dir / "_eval"
    reset(private)
    private.mkdir()
    shutil.copyfile(eval_source, private / "eval.pkl")
    made = trial.run_hidden_python("make_inputs.py", str(private / "eval.pkl"), IO_DIR, str(input_seed), timeout=120)
    shutil.move(str(io / "labels.json"), str(private / "labels.json"))
    (private / "eval.pkl").unlink()
    shutil.copyfile(trial.hidden_dir / "predict_classifier.py", io / "predict_classifier.py")
    run = trial.run_script(["python", f"{IO_DIR}/predict_classifier.py", f"{IO_DIR}/inputs.npy",
                            f"{IO_DIR}/predictions.npy", "--num-classes", str(num_classes), "--mean", *mean,
                            "--std", *std, "--batch", "64", "--max-params", f"{trial.threshold('max_params'):.0f}",
                            "--census-factor", f"{trial.threshold('census_factor'):g}"],
                           timeout=trial.threshold("predict_timeout_s"), report=True)
    report = run.report if isinstance(run.report, dict) else {}
    if run.timed_out:
        report["error"] = f"the prediction step timed out after {trial.threshold('predict_timeout_s'):g} s"
    elif not report:
        report["error"] = f"the prediction step wrote no report (exit {run.returncode}): {run.stderr[-600:]}"
    score = {"ok": False, "error": report.get("error") or "no predictions"}
    if not report.get("error") and (io / "predictions.npy").is_file() and not (io / "predictions.npy").is_symlink():
        score = trial.run_hidden_python("score_predictions.py", f"{IO_DIR}/predictions.npy",
                                        str(private / "labels.json"), str(num_classes), timeout=120)
    report["num_images"] = made["num_images"]
    return report, score
