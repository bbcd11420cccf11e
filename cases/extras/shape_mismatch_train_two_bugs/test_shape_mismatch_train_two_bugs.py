"""Validator for shape_mismatch_train_two_bugs (extras variant of shape_mismatch_train where validate() is broken
too): probes run get_model, validate, the transforms and get_datasets on grading-time inputs, judged against
torchvision, a reference loop and the served MNIST files; the given entry script runs the agent's train.py (an
observation) and a judge loads the checkpoint it wrote into torchvision's MobileNetV2 and checks it against the
metrics (the parent's hidden/judge.py and hidden/check_artifacts.py, shared through `variant_of`; this variant's
hidden/image_spec.py asks for 3-channel 32x32 transforms)."""
import gzip


def test_shape_mismatch_train_two_bugs(grading):
    grading.check_protected("run_training.py and __init__.py untouched")
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
    grading.check_problems("get_datasets() returns the served MNIST train and test splits", data["problems"])
    for stale in ("best_model.pth", "train_metrics.json"):
        (work / stale).unlink(missing_ok=True)
    run = grading.run(["python", "run_training.py"], timeout=grading.threshold("entry_timeout_s"))
    grading.note("python run_training.py", f"exit {run.returncode}: {run.stdout[-300:].strip()}")
    collected = grading.collect(work / "best_model.pth", work / "train_metrics.json", limit=100_000_000)
    result = grading.reference("check_artifacts.py", "run", str(collected), str(mnist), read=[collected, mnist])
    grading.check_problems("the run wrote a best_model.pth that loads into a 10-class MobileNetV2 and whose "
                           "BatchNorm batch counts match the best epoch of a sound train_metrics.json",
                           result["problems"])
    grading.note("held-out accuracy of best_model.pth (MNIST test, 512 images)", str(result.get("held_out_accuracy")))
