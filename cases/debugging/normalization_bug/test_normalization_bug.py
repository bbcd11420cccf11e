"""Validator for normalization_bug: probes run the transforms, get_model and the data functions on grading-time
inputs, judged against the reference pipelines and the served MNIST files, and a short run_training whose
checkpoint and metrics must be consistent (a cheap early check); the given entry script runs the
agent's train.py (an observation) and a judge recomputes the accuracy of the checkpoint it wrote on the whole
served test split and compares the reported best_val_acc with it (hidden/judge.py, hidden/check_artifacts.py)."""
import gzip
import json

# The run size per benchmark profile; written as config.json (locked) into the workspace and the grading copy.
CONFIG = {
    "full": {"num_epochs": 2, "iterations_per_epoch": 100, "batch_size": 32, "num_workers": 2},
    "smoke": {"num_epochs": 2, "iterations_per_epoch": 80, "batch_size": 32, "num_workers": 0},
}


def write_config(grading, target) -> None:
    (target / "config.json").write_text(json.dumps(CONFIG[grading.profile], indent=2) + "\n")


def prepare_workspace(grading) -> None:
    write_config(grading, grading.workspace)


def test_normalization_bug(grading):
    grading.check_protected("run_training.py and config.json untouched")
    work, mnist = grading.grading_dir, grading.asset_reference("mnist")
    raw = work / "data" / "MNIST" / "raw"  # the served files, as torchvision's download leaves them
    raw.mkdir(parents=True, exist_ok=True)
    for packed in mnist.glob("*.gz"):
        (raw / packed.stem).write_bytes(gzip.decompress(packed.read_bytes()))
    inputs = grading.inputs("judge.py")
    observed = grading.observe("probes.py", inputs, probe_timeout=180)
    grading.judge("judge.py", inputs, observed)
    data = grading.reference("check_artifacts.py", "datasets", str(inputs.dir), str(observed.dir), str(mnist),
                             read=[inputs.dir, observed.dir, mnist])
    grading.check_problems("get_datasets() gives the served MNIST splits; training draws from train, validation "
                           "from test", data["problems"])
    for stale in ("best_model.pth", "train_metrics.json"):
        (work / stale).unlink(missing_ok=True)
    write_config(grading, work)
    run = grading.run(["python", "run_training.py"], timeout=grading.threshold("entry_timeout_s"))
    grading.note("python run_training.py", f"exit {run.returncode}: {run.stdout[-300:].strip()}")
    collected = grading.collect(work / "best_model.pth", work / "train_metrics.json", limit=100_000_000)
    iterations = str(CONFIG[grading.profile]["iterations_per_epoch"])
    result = grading.reference("check_artifacts.py", "run", str(collected), str(mnist), iterations, str(inputs.dir),
                               str(observed.dir), read=[collected, mnist, inputs.dir, observed.dir],
                               timeout=grading.threshold("entry_timeout_s"))
    grading.check_problems("the run's best_model.pth loads into the reference model, its BatchNorm batch counts "
                           "match the best epoch of a sound train_metrics.json, where epoch 2 beats epoch 1",
                           result["problems"])
    accuracy, best = result.get("accuracy"), result.get("best_val_acc")
    minimum, gap = grading.threshold("min_test_acc"), grading.threshold("max_gap_points")
    grading.check(f"recomputed test accuracy >= {minimum:g}%", accuracy is not None and accuracy >= minimum,
                  f"recomputed {accuracy}", value=accuracy)
    grading.check(f"best_val_acc within {gap:g} points of the recomputed accuracy",
                  accuracy is not None and best is not None and abs(best - accuracy) <= gap,
                  f"best_val_acc {best}, recomputed {accuracy}")
