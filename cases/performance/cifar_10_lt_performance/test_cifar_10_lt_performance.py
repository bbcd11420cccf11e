"""Validator for cifar_10_lt_performance: balanced accuracy recomputed on the hidden balanced test split.

The prediction step runs the grader's `predict_classifier.py` in the sandbox on a copy of the snapshot (the
agent's `utils.py`, the pristine `dataset.py`/`evaluate.py`), on the evaluation *inputs only*; it reports the
total parameter count and a live-tensor census. Labels stay grader-side and are scored by
`score_predictions.py`, which imports no agent code.
"""
import json
import shutil

from pytest_mldevbench.errors import InfrastructureError

BUNDLE = "cifar10-lt"
DATA_FILES = ["train_lt", "val_balanced"]
LOCKED = ["dataset.py", "evaluate.py"]
MEAN, STD = ("0.4914", "0.4822", "0.4465"), ("0.2023", "0.1994", "0.2010")
NUM_CLASSES = 10
INPUT_SEED = 20250211
IO_DIR = "_grader_io"
# the prediction-step scripts shared with the other CIFAR classification case (pytest_mldevbench/graders/),
# placed into the grader-private hidden copy under these names
SHARED_HIDDEN = {"classifier_inputs.py": "make_inputs.py", "classifier_predict.py": "predict_classifier.py",
                 "classifier_score.py": "score_predictions.py"}


def prepare_workspace(trial):
    bundle = trial.asset_reference(BUNDLE)
    target = trial.workspace / "data" / "cifar-10-lt"
    target.mkdir(parents=True, exist_ok=True)
    for name in DATA_FILES:
        shutil.copyfile(bundle / "cifar-10-lt" / name, target / name)
        (target / name).chmod(0o644)
    return {}


def _eval_source(trial):
    if trial.profile == "smoke":
        return trial.asset_reference(BUNDLE) / "eval" / "test_batch"
    raise InfrastructureError("full profile: the balanced CIFAR-10 test split comes from the cifar-10 asset; "
                              "build the cifar10-lt bundle from the real data first (not automated yet)")


def _reset(path):
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def prediction_step(trial, eval_source):
    """Inputs-only prediction in the sandbox, then grader-side scoring. Returns (report, score)."""
    for name, dest in SHARED_HIDDEN.items():
        trial.add_grader_file(name, dest, hidden=True)
    work = trial.grading_dir
    for name in LOCKED:  # the pristine copies, whatever the agent left there
        _reset(work / name)
        shutil.copyfile(trial.task.workspace / name, work / name)
    io = work / IO_DIR
    _reset(io)
    private = trial.hidden_dir / "_eval"
    _reset(private)
    private.mkdir()
    shutil.copyfile(eval_source, private / "eval.pkl")
    made = trial.run_hidden_python("make_inputs.py", str(private / "eval.pkl"), IO_DIR, str(INPUT_SEED), timeout=120)
    shutil.move(str(io / "labels.json"), str(private / "labels.json"))
    (private / "eval.pkl").unlink()
    shutil.copyfile(trial.hidden_dir / "predict_classifier.py", io / "predict_classifier.py")
    run = trial.run_script(["python", f"{IO_DIR}/predict_classifier.py", f"{IO_DIR}/inputs.npy",
                            f"{IO_DIR}/predictions.npy", "--num-classes", str(NUM_CLASSES), "--mean", *MEAN,
                            "--std", *STD, "--batch", "64", "--max-params", f"{trial.threshold('max_params'):.0f}",
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
                                        str(private / "labels.json"), str(NUM_CLASSES), timeout=120)
    report["num_images"] = made["num_images"]
    return report, score


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def test_cifar_10_lt_performance(trial):
    trial.check_protected("dataset.py and evaluate.py unchanged")

    ckpt_dir = trial.snapshot / "checkpoints"
    ckpts = [p for p in ckpt_dir.glob("*") if p.suffix in (".pt", ".ckpt")] if ckpt_dir.is_dir() else []
    too_big = [p.name for p in ckpts if p.is_symlink() or not p.is_file() or p.stat().st_size > 500e6]
    trial.check("checkpoints/ holds at least one *.pt/*.ckpt file, each a regular file <= 500 MB",
                ckpts and not too_big, f"found {sorted(p.name for p in ckpts)[:10]}; bad: {too_big}")

    metrics_path = trial.snapshot / "training_metrics.json"
    try:
        metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else None
    except (OSError, ValueError):
        metrics = None
    ok = (isinstance(metrics, dict) and _number(metrics.get("best_loss")) and _number(metrics.get("best_balanced_acc"))
          and 1 < metrics["best_balanced_acc"] <= 100)
    trial.check("training_metrics.json has numeric best_loss and best_balanced_acc in percent (1, 100]", ok,
                f"got {str(metrics)[:300]}")

    report, score = prediction_step(trial, _eval_source(trial))
    max_params = trial.threshold("max_params")
    params, census = report.get("num_params_total"), report.get("census_numel")
    trial.check("get_best_model() returns an nn.Module that predicts every hidden image in time",
                not report.get("error") and score.get("ok"),
                report.get("error") or score.get("error") or "")
    trial.check(f"0 < total parameters (trainable and frozen) <= {max_params:,.0f}",
                _number(params) and 0 < params <= max_params, f"num_params_total {params}")
    limit = trial.threshold("census_factor") * max_params
    trial.check(f"live-tensor census <= {limit:,.0f} elements", _number(census) and census <= limit,
                f"census {census}")
    target = trial.threshold("target_balanced_acc")
    bacc = score.get("balanced_accuracy")
    trial.check(f"balanced accuracy on the hidden test split >= {target:g} %", bacc is not None and bacc >= target,
                f"balanced accuracy {bacc if bacc is None else round(bacc, 2)} % on {report.get('num_images')} images")
