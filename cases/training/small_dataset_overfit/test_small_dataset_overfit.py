"""Validator for small_dataset_overfit: re-run the script from scratch, then score the exported model.

The grader deletes every output and the dataset, re-supplies MNIST from the reference copy, runs the
agent's script in the sandbox, checks the JSON against the true counts of the served data and recomputes
both accuracies from the exported model with hidden/eval_export.py on every reference image of digits 0-2.
"""
import gzip
import json
import math
import shutil
import struct

RESULTS = "training/training_results.json"
MODELS = ("training/model.pt2", "training/model_scripted.pt")
FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
DIGITS = ("0", "1", "2")
KEYS = ("train_accuracy", "test_accuracy", "unique_train_labels", "unique_test_labels", "num_train_samples",
        "num_test_samples", "samples_per_class_train", "samples_per_class_test")


def _remove(path):
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def true_counts(ref) -> dict:
    out = {}
    for split, name in (("train", "train-labels-idx1-ubyte.gz"), ("test", "t10k-labels-idx1-ubyte.gz")):
        data = gzip.decompress((ref / name).read_bytes())
        magic, count = struct.unpack(">II", data[:8])
        labels = data[8:8 + count]
        out[split] = {d: labels.count(int(d)) for d in DIGITS}
    return out


def _int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _fraction(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v <= 1


def count_problems(data, counts, tolerance) -> list[str]:
    problems = []
    for split in ("train", "test"):
        if not isinstance(data[f"unique_{split}_labels"], list) or \
                {v for v in data[f"unique_{split}_labels"] if _int(v)} != {0, 1, 2} or \
                not all(_int(v) for v in data[f"unique_{split}_labels"]):
            problems.append(f"unique_{split}_labels is {data[f'unique_{split}_labels']!r}")
        per = data[f"samples_per_class_{split}"]
        total = data[f"num_{split}_samples"]
        if not isinstance(per, dict) or set(per) != set(DIGITS) or not all(_int(per[d]) for d in DIGITS):
            problems.append(f"samples_per_class_{split} is {per!r}")
            continue
        mean = sum(per.values()) / 3
        for d in DIGITS:
            if not 0 < per[d] <= counts[split][d]:
                problems.append(f"{split} digit {d}: {per[d]} images, but the data has {counts[split][d]}")
            if abs(per[d] - mean) > tolerance * mean:
                problems.append(f"{split} digit {d}: {per[d]} is not within {tolerance:.0%} of the mean {mean:.1f}")
        if not _int(total) or total != sum(per.values()):
            problems.append(f"num_{split}_samples {total!r} != sum of per-class counts {sum(per.values())}")
    return problems


def test_small_dataset_overfit(trial):
    work = trial.grading_dir
    ref = trial.asset_reference("mnist")
    # 1. stale outputs and the dataset go; MNIST comes back from the reference copy
    for rel in ("data", "data/MNIST", "training"):
        if (work / rel).is_symlink():  # nothing the grader writes may land outside the grading dir
            _remove(work / rel)
    for rel in (RESULTS, *MODELS, "data/MNIST"):
        _remove(work / rel)
    raw = work / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in FILES:
        shutil.copy(ref / f"{name}.gz", raw / f"{name}.gz")
        (raw / name).write_bytes(gzip.decompress((ref / f"{name}.gz").read_bytes()))
    script = work / "training_script_mnist.py"
    present = script.is_file() and not script.is_symlink()

    # 2. the script runs from scratch
    run = trial.run_script(["python", "training_script_mnist.py"], timeout=trial.threshold("script_timeout_s"))
    trial.check("2. training_script_mnist.py re-runs from scratch and exits 0", present and run.returncode == 0,
                f"present {present}, exit {run.returncode}, timed out {run.timed_out}: {run.stderr[-800:]!r}")

    # 3. the results file: keys, labels, counts bounded by the served data
    results = work / RESULTS
    data = None
    if results.is_file() and not results.is_symlink():
        try:
            data = json.loads(results.read_text(encoding="utf-8")[:1_000_000])
        except (OSError, ValueError):
            data = None
    has_keys = isinstance(data, dict) and all(k in data for k in KEYS)
    problems = count_problems(data, true_counts(ref), trial.threshold("balance_tolerance")) if has_keys \
        else [f"missing keys or unreadable: {str(data)[:300]}"]
    trial.check("3. results JSON: keys, labels {0,1,2}, balanced per-class counts within the true counts",
                not problems, "; ".join(problems))

    # 4. the exported model, evaluated by the grader on every reference image of digits 0-2
    models = [m for m in MODELS if (work / m).is_file() and not (work / m).is_symlink()]
    recomputed, why = None, "no exported model (training/model.pt2 or training/model_scripted.pt)"
    if models:
        grader_ref = work / ".grader_mnist"
        _remove(grader_ref)
        shutil.copytree(ref, grader_ref)
        try:
            recomputed = trial.run_hidden_python("eval_export.py", models[0], ".grader_mnist",
                                                 timeout=trial.threshold("script_timeout_s") + 60)
        except Exception as exc:  # noqa: BLE001 - a model that does not load or run is the agent's failure
            why = f"evaluating {models[0]} failed: {exc}"
    if recomputed:
        why = f"recomputed train {recomputed['train_accuracy']:.4f}, test {recomputed['test_accuracy']:.4f}"
    trial.check("4. recomputed accuracy of the exported model reaches the thresholds",
                recomputed is not None and recomputed["train_accuracy"] >= trial.threshold("min_train_acc")
                and recomputed["test_accuracy"] >= trial.threshold("min_test_acc"), why)

    # 5. the reported accuracies agree with the recomputation
    tol = trial.threshold("report_tolerance")
    agree = (recomputed is not None and has_keys and _fraction(data["train_accuracy"])
             and _fraction(data["test_accuracy"])
             and abs(data["train_accuracy"] - recomputed["train_accuracy"]) <= tol
             and abs(data["test_accuracy"] - recomputed["test_accuracy"]) <= tol)
    reported = {k: data.get(k) for k in ("train_accuracy", "test_accuracy")} if isinstance(data, dict) else None
    trial.check("5. reported accuracies are fractions within the tolerance of the recomputed ones", agree,
                f"reported {reported}; {why}")
