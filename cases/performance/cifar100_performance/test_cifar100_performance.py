"""Validator for cifar100_performance: top-1 recomputed on the hidden CIFAR-100 test split, W&B read offline.

The bundle (`cifar100-p6`; smoke: generated, full: cut from the real CIFAR-100) gives the workspace train/meta;
its test pickle stays grader-side. `grading.classify` has the agent's `get_best_model()` (locked files restored)
predict the test *inputs only*, shuffled with the trial's secret seed, in an untrusted process under a memory limit
derived from the parameter cap (the kernel's cgroup, memory.py; the count and census it reports are observations);
a judge scores the predictions against the labels it alone holds. The W&B run is read from its own offline log
with wandb's decoder.
"""
import re
import shutil

from pytest_mldevbench.grading import memory

BUNDLE, LOCKED, PROJECT = "cifar100-p6", ["cifar100.py", "evaluate.py"], "cifar100-classification"
MEAN, STD = ("0.5071", "0.4867", "0.4408"), ("0.2675", "0.2565", "0.2761")
TIMESTAMP = re.compile(r"\d{8}[-_T]?\d{4,6}|\d{4}-\d{2}-\d{2}[-_T ]\d{2}[-:_]?\d{2}|(?<!\d)1[5-9]\d{8}(?!\d)")


def prepare_workspace(grading):
    target = grading.workspace / "data" / "cifar-100-python"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("train", "meta"):
        shutil.copyfile(grading.asset_reference(BUNDLE) / "cifar-100-python" / name, target / name)
        (target / name).chmod(0o644)
    return {}


def has_media(value) -> bool:
    if isinstance(value, dict):
        return any(k in str(value.get("_type", "")) for k in ("table", "image")) or any(map(has_media, value.values()))
    return isinstance(value, list) and any(map(has_media, value))


def offline_run(grading, run_id) -> tuple[dict | None, str]:
    """The W&B run `run_id` read from its own offline log under wandb/ (or None and why)."""
    if not (isinstance(run_id, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", run_id)):
        return None, f"run_id {str(run_id)[:100]!r} in wandb_info.json is not a W&B run id"
    runs = [d for d in (grading.snapshot / "wandb").glob(f"offline-run-*-{run_id}") if grading.path(d) is not None]
    if len(runs) != 1:
        return None, f"no single wandb/offline-run-*-{run_id} folder"
    try:
        return grading.wandb_run(runs[0]), ""
    except Exception as exc:  # noqa: BLE001 - an unreadable log is the agent's problem
        return None, f"cannot read the offline run: {exc}"


def test_cifar100_performance(grading):
    grading.check_protected("cifar100.py and evaluate.py unchanged")
    snap = grading.snapshot
    ckpts = [p for p in (snap / "checkpoints").rglob("*") if p.is_file()] if grading.path("checkpoints") else []
    best = [p for p in (snap / "best_checkpoint").rglob("*") if p.is_file() and not p.is_symlink()] \
        if grading.path("best_checkpoint") else []
    size = sum(p.stat().st_size for p in best)
    grading.check("checkpoints/ has a file and best_checkpoint/ is non-empty (<= 1 GB)", ckpts and best and size <= 1e9,
                  f"{len(ckpts)} checkpoint files, best_checkpoint {len(best)} files / {size / 1e6:.1f} MB")
    info = grading.read_json(grading.path("wandb_info.json"), limit=100_000)
    run_id = info.get("run_id") if isinstance(info, dict) else None
    run, why = offline_run(grading, run_id)
    run = run or {}
    grading.check(f"wandb_info.json names an offline run of project {PROJECT}",
                  not why and run.get("project") == PROJECT and run.get("id") == run_id,
                  why or f"project {run.get('project')!r}, id {run.get('id')!r}")
    name = str(run.get("name") or "")
    grading.check("the W&B run name has a timestamp", TIMESTAMP.search(name) is not None, f"run name {name!r}")
    hist = [r for r in run.get("history") or [] if isinstance(r, dict)]
    nums = [{k for k, v in r.items() if grading.finite(v)} for r in hist]
    train = sum(any("loss" in k and not re.search("val|test", k) for k in ks) for ks in nums)
    evals = sum(any(re.search("val|test", k) and "loss" in k for k in ks) and any("acc" in k for k in ks) for ks in nums)
    grading.check("W&B history: >= 2 rows with a train loss, >= 1 row with a val/test loss and an accuracy",
                  train >= 2 and evals >= 1, f"train-loss rows {train}, eval rows {evals}")
    grading.check("W&B run logged sample predictions (an image or a table)",
                  has_media(hist) or has_media(run.get("summary") or {}), "no image/table value found")
    report, score = grading.classify(grading.asset_reference(BUNDLE) / "eval" / "test", locked=LOCKED,
                                     num_classes=100, mean=MEAN, std=STD, memory_gb=memory.bound_gb(grading))
    grading.check(f"the prediction process stayed under its {report['memory_limit_mb']} MiB memory limit (set from "
                  "the parameter cap, enforced by the kernel)", not report["oom"], report.get("error", ""))
    grading.check("get_best_model() returns an nn.Module that predicts every hidden image in time",
                  not report.get("error") and score.get("ok"), report.get("error") or score.get("error") or "")
    max_params, params, census = grading.threshold("max_params"), report.get("num_params_total"), report.get("census_numel")
    grading.check(f"0 < total parameters (trainable and frozen) < {max_params:,.0f} (reported by the prediction step)",
                  grading.finite(params) and 0 < params < max_params, f"num_params_total {params}")
    limit = grading.threshold("census_factor") * max_params
    grading.check(f"live-tensor census <= {limit:,.0f} elements (reported by the prediction step)",
                  grading.finite(census) and census <= limit, f"census {census}")
    target, acc = grading.threshold("target_acc"), grading.number(score.get("accuracy"))
    grading.check(f"top-1 accuracy on the hidden test split >= {target:g} %", acc is not None and acc >= target,
                  f"accuracy {acc if acc is None else round(acc, 2)} % on {report.get('num_images')} images", value=acc)
