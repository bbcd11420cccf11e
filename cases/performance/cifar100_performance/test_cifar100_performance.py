"""Validator for cifar100_performance: top-1 recomputed on the hidden CIFAR-100 test split, W&B read offline.

The bundle (`cifar100-p6`) is generated in smoke and, in full, cut from the real CIFAR-100 tarball on first use
(train and meta for the workspace, the real test pickle as the hidden split). The prediction step runs the
grader's `predict_classifier.py` in the sandbox on a copy of the snapshot (the agent's `utils.py` and whatever it
imports, the pristine `cifar100.py`/`evaluate.py`), on the test *inputs only*; it reports the total parameter
count and a live-tensor census. Labels stay grader-side and are scored by `score_predictions.py`, which imports
no agent code.
"""
import json
import math
import re
import shutil

from pytest_mldevbench.grading.files import contained


def inside(root, rel):
    """root/rel when it exists and resolves inside root (a link out of the snapshot counts as missing)."""
    path = contained(root, rel)
    return path if path is not None and path.exists() else None


BUNDLE = "cifar100-p6"
DATA_FILES = ["train", "meta"]
LOCKED = ["cifar100.py", "evaluate.py"]
MEAN, STD = ("0.5071", "0.4867", "0.4408"), ("0.2675", "0.2565", "0.2761")
NUM_CLASSES = 100
INPUT_SEED = 20250212
PROJECT = "cifar100-classification"
TIMESTAMP = re.compile(r"\d{8}[-_T]?\d{4,6}|\d{4}-\d{2}-\d{2}[-_T ]\d{2}[-:]?\d{2}")


def prepare_workspace(trial):
    bundle = trial.asset_reference(BUNDLE)
    target = trial.workspace / "data" / "cifar-100-python"
    target.mkdir(parents=True, exist_ok=True)
    for name in DATA_FILES:
        shutil.copyfile(bundle / "cifar-100-python" / name, target / name)
        (target / name).chmod(0o644)
    return {}


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _has_media(value):
    if isinstance(value, dict):
        kind = str(value.get("_type", ""))
        if "table" in kind or "image" in kind:
            return True
        return any(_has_media(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_media(v) for v in value)
    return False


def check_wandb(trial):
    snap = trial.snapshot
    info_path = inside(snap, "wandb_info.json")
    try:
        info = json.loads(info_path.read_text()) if info_path and info_path.stat().st_size < 100_000 else None
    except (OSError, ValueError):
        info = None
    run_id = info.get("run_id") if isinstance(info, dict) else None
    ok_info = isinstance(run_id, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", run_id) is not None
    runs = [d for d in (snap / "wandb").glob(f"offline-run-*-{run_id}") if inside(snap, f"wandb/{d.name}")] \
        if ok_info and inside(snap, "wandb") else []
    run, why = None, f"wandb_info.json {str(info)[:200]}: no wandb/offline-run-*-{run_id} directory"
    if len(runs) == 1:
        try:
            run = trial.wandb_run(runs[0])
        except Exception as exc:  # noqa: BLE001 - an unreadable log is the agent's problem
            why = f"cannot read the offline run: {exc}"
    trial.check(f"wandb_info.json names an offline run of project {PROJECT}",
                run is not None and run.get("project") == PROJECT and run.get("id") == run_id,
                why if run is None else f"project {run.get('project')!r}, id {run.get('id')!r}")
    name = (run or {}).get("name") or ""
    trial.check("the W&B run name has a timestamp", TIMESTAMP.search(name) is not None, f"run name {name!r}")
    hist = (run or {}).get("history") or []
    train_rows = sum(any("loss" in k and not re.search("val|test", k) and _number(v) for k, v in r.items())
                     for r in hist)
    eval_rows = sum(any(re.search("val|test", k) and "loss" in k and _number(v) for k, v in r.items())
                    and any(re.search("acc", k) and _number(v) for k, v in r.items()) for r in hist)
    trial.check("W&B history: >= 2 rows with a train loss, >= 1 row with a val/test loss and an accuracy",
                train_rows >= 2 and eval_rows >= 1, f"train-loss rows {train_rows}, eval rows {eval_rows}")
    media = any(_has_media(r) for r in hist) or _has_media((run or {}).get("summary") or {})
    trial.check("W&B run logged sample predictions (an image or a table)", media, "no image/table value found")


def test_cifar100_performance(trial):
    trial.check_protected("cifar100.py and evaluate.py unchanged")

    snap = trial.snapshot
    ckpts = [p for p in (snap / "checkpoints").rglob("*") if p.is_file()] if inside(snap, "checkpoints") else []
    best = [p for p in (snap / "best_checkpoint").rglob("*") if p.is_file() and not p.is_symlink()] \
        if inside(snap, "best_checkpoint") else []
    best_size = sum(p.stat().st_size for p in best)
    trial.check("checkpoints/ has a file and best_checkpoint/ is non-empty (<= 1 GB)",
                ckpts and best and best_size <= 1e9, f"{len(ckpts)} checkpoint files, best_checkpoint "
                                                     f"{len(best)} files / {best_size / 1e6:.1f} MB")
    check_wandb(trial)

    report, score = trial.classify(trial.asset_reference(BUNDLE) / "eval" / "test", locked=LOCKED,
                                   num_classes=NUM_CLASSES, mean=MEAN, std=STD, input_seed=INPUT_SEED)
    max_params = trial.threshold("max_params")
    params, census = report.get("num_params_total"), report.get("census_numel")
    trial.check("get_best_model() returns an nn.Module that predicts every hidden image in time",
                not report.get("error") and score.get("ok"), report.get("error") or score.get("error") or "")
    trial.check(f"0 < total parameters (trainable and frozen) < {max_params:,.0f}",
                _number(params) and 0 < params < max_params, f"num_params_total {params}")
    limit = trial.threshold("census_factor") * max_params
    trial.check(f"live-tensor census <= {limit:,.0f} elements", _number(census) and census <= limit,
                f"census {census}")
    target = trial.threshold("target_acc")
    acc = score.get("accuracy")
    trial.check(f"top-1 accuracy on the hidden test split >= {target:g} %", acc is not None and acc >= target,
                f"accuracy {acc if acc is None else round(acc, 2)} % on {report.get('num_images')} images", value=acc)
