"""Validator for cifar_10_lt_performance: balanced accuracy recomputed on the hidden balanced test split.

The bundle (`cifar10-lt`) is generated in smoke and, in full, cut from the real CIFAR-10 tarball on first use
(first 20 training images per class to val_balanced, the long-tailed subset drawn with seed 0, the real
test_batch as the hidden split; see smokegen/perf.py). The prediction step runs the grader's
`predict_classifier.py` in the sandbox on a copy of the snapshot (the agent's `utils.py`, the pristine
`dataset.py`/`evaluate.py`), on the evaluation *inputs only*; it reports the total parameter count and a
live-tensor census. Labels stay grader-side and are scored by `score_predictions.py`, which imports no agent
code.
"""
import json
import shutil


BUNDLE = "cifar10-lt"
DATA_FILES = ["train_lt", "val_balanced"]
LOCKED = ["dataset.py", "evaluate.py"]
MEAN, STD = ("0.4914", "0.4822", "0.4465"), ("0.2023", "0.1994", "0.2010")
NUM_CLASSES = 10
INPUT_SEED = 20250211


def prepare_workspace(trial):
    bundle = trial.asset_reference(BUNDLE)
    target = trial.workspace / "data" / "cifar-10-lt"
    target.mkdir(parents=True, exist_ok=True)
    for name in DATA_FILES:
        shutil.copyfile(bundle / "cifar-10-lt" / name, target / name)
        (target / name).chmod(0o644)
    return {}


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

    report, score = trial.classify(trial.asset_reference(BUNDLE) / "eval" / "test_batch", locked=LOCKED,
                                   num_classes=NUM_CLASSES, mean=MEAN, std=STD, input_seed=INPUT_SEED)
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
                f"balanced accuracy {bacc if bacc is None else round(bacc, 2)} % on {report.get('num_images')} images",
                value=bacc)
