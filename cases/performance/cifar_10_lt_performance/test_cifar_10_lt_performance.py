"""Validator for cifar_10_lt_performance: balanced accuracy recomputed on the hidden balanced test split.

The bundle (`cifar10-lt`; smoke: generated, full: cut from the real CIFAR-10, see smokegen/perf.py) gives the
workspace train_lt/val_balanced; its test_batch stays grader-side. `grading.classify` has the agent's
`get_best_model()` (locked files restored) predict the test *inputs only*, shuffled with the trial's secret seed,
in an untrusted process under a memory limit derived from the parameter cap (the kernel's cgroup, memory.py;
the parameter count and census that process reports are observations), and a judge scores the predictions
against the labels it alone holds.
"""
import shutil

from pytest_mldevbench.grading import memory

BUNDLE, LOCKED, DATA_FILES = "cifar10-lt", ["dataset.py", "evaluate.py"], ["train_lt", "val_balanced"]
MEAN, STD = ("0.4914", "0.4822", "0.4465"), ("0.2023", "0.1994", "0.2010")


def prepare_workspace(grading):
    target = grading.workspace / "data" / "cifar-10-lt"
    target.mkdir(parents=True, exist_ok=True)
    for name in DATA_FILES:
        shutil.copyfile(grading.asset_reference(BUNDLE) / "cifar-10-lt" / name, target / name)
        (target / name).chmod(0o644)
    return {}


def test_cifar_10_lt_performance(grading):
    grading.check_protected("dataset.py and evaluate.py unchanged")
    ckpts = [p for p in (grading.snapshot / "checkpoints").glob("*") if p.suffix in (".pt", ".ckpt")]
    bad = [p.name for p in ckpts if p.is_symlink() or not p.is_file() or p.stat().st_size > 500e6]
    grading.check("checkpoints/ holds at least one *.pt/*.ckpt file, each a regular file <= 500 MB",
                  ckpts and not bad, f"found {sorted(p.name for p in ckpts)[:10]}; bad: {bad}")
    metrics = grading.read_json(grading.snapshot / "training_metrics.json")
    metrics = metrics if isinstance(metrics, dict) else {}
    best = grading.number(metrics.get("best_balanced_acc"))
    grading.check("training_metrics.json has numeric best_loss and best_balanced_acc in percent (1, 100]",
                  grading.finite(metrics.get("best_loss")) and best is not None and 1 < best <= 100,
                  f"got {str(metrics)[:300]}")
    report, score = grading.classify(grading.asset_reference(BUNDLE) / "eval" / "test_batch", locked=LOCKED,
                                     num_classes=10, mean=MEAN, std=STD, memory_gb=memory.bound_gb(grading))
    grading.check(f"the prediction process stayed under its {report['memory_limit_mb']} MiB memory limit (set from "
                  "the parameter cap, enforced by the kernel)", not report["oom"], report.get("error", ""))
    grading.check("get_best_model() returns an nn.Module that predicts every hidden image in time",
                  not report.get("error") and score.get("ok"), report.get("error") or score.get("error") or "")
    max_params, params, census = grading.threshold("max_params"), report.get("num_params_total"), report.get("census_numel")
    grading.check(f"0 < total parameters (trainable and frozen) <= {max_params:,.0f} (reported by the prediction step)",
                  grading.finite(params) and 0 < params <= max_params, f"num_params_total {params}")
    limit = grading.threshold("census_factor") * max_params
    grading.check(f"live-tensor census <= {limit:,.0f} elements (reported by the prediction step)",
                  grading.finite(census) and census <= limit, f"census {census}")
    target, bacc = grading.threshold("target_balanced_acc"), grading.number(score.get("balanced_accuracy"))
    grading.check(f"balanced accuracy on the hidden test split >= {target:g} %", bacc is not None and bacc >= target,
                  f"balanced accuracy {bacc if bacc is None else round(bacc, 2)} % on {report.get('num_images')} images",
                  value=bacc)
