"""The prediction step of the CIFAR-style classification cases: `grading.classify(...)`.

A judge process turns the hidden evaluation pickle into inputs only (images, shuffled with the trial's secret
seed) and keeps the labels; the agent's `utils.get_best_model()` predicts them in an untrusted process (the
snapshot's model code with the locked files restored), which also reports its parameter count and a
live-tensor census (observations); a judge process scores the predictions file against the labels.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from . import files
from .context import SCRIPTS

if TYPE_CHECKING:
    from .context import GradingContext

SCRIPT_FILES = ("classifier_inputs.py", "classifier_predict.py", "classifier_score.py")
PREDICTIONS_LIMIT = 100 * 2**20


def reset(path: Path) -> None:
    """Remove a file, link or folder (whatever the agent left there)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def classify(grading: "GradingContext", eval_source: Path, *, locked: list[str], num_classes: int,
             mean: tuple[str, ...], std: tuple[str, ...], input_seed: int | None = None,
             memory_gb: float | None = None) -> tuple[dict, dict]:
    """Inputs-only prediction on the agent's model, scored by a judge. Returns (report, score): `report` is what
    the prediction process observed (num_params_total, census_numel, error), `score` the judge's (ok, error,
    accuracy, balanced_accuracy in percent, num_images). `locked` workspace files are restored from the
    pristine copy first; `mean`/`std` (strings) normalise the inputs as the case's dataset code does.
    `memory_gb`: the prediction process's memory limit, enforced by the kernel (memory.py: `bound_gb`; batches of
    16 then, so that activations take little of it); going
    over it is the report's error; `report["oom"]` (the kernel's, read by the harness) and
    `report["memory_limit_mb"]` say so."""
    for name in SCRIPT_FILES:
        shutil.copy2(SCRIPTS / name, grading.hidden_dir / name)
    work = grading.grading_dir
    for name in locked:
        reset(work / name)
        shutil.copyfile(grading.task.workspace / name, work / name)
    private = grading._trial.private / "classify"
    reset(private)
    (private / "eval").mkdir(parents=True)
    (private / "inputs").mkdir()
    shutil.copyfile(eval_source, private / "eval" / "eval.pkl")
    seed = grading._seed if input_seed is None else input_seed
    made = grading._judge_process(["script", "classifier_inputs.py", str(private / "eval" / "eval.pkl"),
                                   str(private / "eval"), str(private / "inputs"), str(seed)],
                                  timeout=120, rw=[private / "eval", private / "inputs"])
    run_dir = grading._run_dir()
    code = run_dir / "code"
    code.mkdir()
    shutil.copy2(SCRIPTS / "classifier_predict.py", code / "predict_classifier.py")
    predictions = run_dir / "predictions.npy"
    timeout = grading.threshold("predict_timeout_s")
    run = grading.run(["python", str(code / "predict_classifier.py"), str(private / "inputs" / "inputs.npy"),
                       str(predictions), "--num-classes", str(num_classes), "--mean", *mean, "--std", *std,
                       "--batch", "16" if memory_gb else "64", "--max-params", f"{grading.threshold('max_params'):.0f}",
                       "--census-factor", f"{grading.threshold('census_factor'):g}"],
                      timeout=timeout, report=True, read=[private / "inputs"], run_dir=run_dir, memory_gb=memory_gb)
    report = run.report if isinstance(run.report, dict) else {}
    report["memory_limit_mb"] = round(min(memory_gb or float("inf"), grading._trial.resources.memory_gb) * 1024)
    report["oom"] = run.oom  # the harness's reading of the kernel's, whatever the process wrote
    if run.oom:
        report["error"] = f"the prediction step went over its memory limit of {report['memory_limit_mb']} MiB " \
                          "(ended by the kernel)"
    elif run.timed_out:
        report["error"] = f"the prediction step timed out after {timeout:g} s"
    elif not report:
        report["error"] = f"the prediction step wrote no report (exit {run.returncode}): {run.stderr[-600:]}"
    score = {"ok": False, "error": report.get("error") or "no predictions"}
    data = files.read_bytes(predictions, PREDICTIONS_LIMIT)
    if not report.get("error") and data is not None:
        (private / "scored").mkdir()
        (private / "scored" / "predictions.npy").write_bytes(data)
        score = grading._judge_process(["script", "classifier_score.py", str(private / "scored" / "predictions.npy"),
                                        str(private / "eval" / "labels.json"), str(num_classes)],
                                       timeout=120, ro=[private / "scored", private / "eval"])
    report["num_images"] = made["num_images"]
    return report, score
