"""Validator for small_dataset_overfit: the script re-runs from scratch on re-supplied MNIST (untrusted); its
exported model predicts every served image of digits 0-2, given without labels in an order drawn now
(hidden/predict.py, untrusted), and the harness scores those predictions against the labels it kept. A judge
(hidden/check_results.py) bounds the JSON's counts by the served data's and compares its accuracies."""
import gzip
import json
import random
import shutil

RESULTS, MODELS, EVAL = "training/training_results.json", ("training/model.pt2", "training/model_scripted.pt"), ".mldb-eval"
SPLITS = {"train": "train", "test": "t10k"}


def clear(path):
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def held_out(ref, prefix, folder, rng) -> list[int]:
    """Write the split's images of digits 0-2, in an order drawn by `rng`, as raw bytes; return their labels."""
    labels = gzip.decompress((ref / f"{prefix}-labels-idx1-ubyte.gz").read_bytes())[8:]
    images = gzip.decompress((ref / f"{prefix}-images-idx3-ubyte.gz").read_bytes())[16:]
    keep = [i for i, y in enumerate(labels) if y < 3]
    rng.shuffle(keep)
    (folder / prefix).write_bytes(b"".join(images[784 * i:784 * (i + 1)] for i in keep))
    return [labels[i] for i in keep]


def test_small_dataset_overfit(grading):
    work, ref = grading.grading_dir, grading.asset_reference("mnist")
    for rel in ("data", "training", RESULTS, *MODELS, "data/MNIST", EVAL):  # stale outputs, the dataset, links out
        if rel not in ("data", "training") or (work / rel).is_symlink():
            clear(work / rel)
    (work / "data/MNIST/raw").mkdir(parents=True)
    for name in (f"{p}-{kind}" for p in SPLITS.values() for kind in ("images-idx3-ubyte", "labels-idx1-ubyte")):
        shutil.copy(ref / f"{name}.gz", work / "data/MNIST/raw" / f"{name}.gz")
        (work / "data/MNIST/raw" / name).write_bytes(gzip.decompress((ref / f"{name}.gz").read_bytes()))
    present = grading.read_bytes(work / "training_script_mnist.py") is not None
    run = grading.run(["python", "training_script_mnist.py"], timeout=grading.threshold("script_timeout_s"))
    grading.check("2. training_script_mnist.py re-runs from scratch and exits 0", present and run.returncode == 0,
                  f"present {present}, exit {run.returncode}, timed out {run.timed_out}: {run.stderr[-800:]!r}")
    results = grading.collect(work / RESULTS) / "training_results.json"  # before anything else runs
    model = next((m for m in MODELS if (work / m).is_file() and not (work / m).is_symlink()), None)
    recomputed, why = None, "no exported model (training/model.pt2 or training/model_scripted.pt)"
    if model:
        for rel in ("data", EVAL):  # the predicting process sees images only, never a label; nothing the
            clear(work / rel)        # script left there (a link out) is written through
        (work / EVAL).mkdir()
        labels = {split: held_out(ref, prefix, work / EVAL, random.SystemRandom()) for split, prefix in SPLITS.items()}
        grading.add_hidden("predict.py", f"{EVAL}/predict.py")
        pred = grading.run(["python", f"{EVAL}/predict.py", model, f"{EVAL}/preds.json", *(f"{EVAL}/{p}" for p in SPLITS.values())],
                           timeout=grading.threshold("script_timeout_s") + 60)
        preds = grading.read_json(work / EVAL / "preds.json", 10_000_000)
        preds = preds if isinstance(preds, dict) else {}
        if all(isinstance(preds.get(p), list) and len(preds[p]) == len(labels[s]) for s, p in SPLITS.items()):
            recomputed = {f"{s}_accuracy": sum(a == b for a, b in zip(preds[p], labels[s])) / len(labels[s])
                          for s, p in SPLITS.items()}
        why = f"recomputed {recomputed}" if recomputed else f"the model gave no predictions: {pred.stderr[-800:]!r}"
    checks = grading.reference("check_results.py", str(results), str(ref), json.dumps({
        "balance_tolerance": grading.threshold("balance_tolerance"), "report_tolerance": grading.threshold("report_tolerance"),
        "recomputed": recomputed}), read=[results.parent, ref])["checks"]
    grading.check(**checks[0])
    grading.check("4. recomputed training accuracy of the exported model reaches the threshold", recomputed is not None
                  and recomputed["train_accuracy"] >= grading.threshold("min_train_acc"), why)
    grading.check(**checks[1])
