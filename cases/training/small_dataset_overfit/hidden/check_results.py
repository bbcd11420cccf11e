"""Judge (trusted, standard library only): the results JSON the agent's script wrote, read as data, against the
served data's true per-digit counts and the accuracies the grader recomputed.

usage: check_results.py <training_results.json> <mnist reference dir> <settings json>
settings: {"balance_tolerance", "report_tolerance", "recomputed": {"train_accuracy", "test_accuracy"} | null}
Prints {"checks": [check 3 (keys, labels, counts), check 5 (reported accuracies)]}.
"""
import gzip
import json
import math
import sys
from pathlib import Path

DIGITS = ("0", "1", "2")
KEYS = ("train_accuracy", "test_accuracy", "unique_train_labels", "unique_test_labels", "num_train_samples",
        "num_test_samples", "samples_per_class_train", "samples_per_class_test")
LABELS = {"train": "train-labels-idx1-ubyte.gz", "test": "t10k-labels-idx1-ubyte.gz"}


def _int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _fraction(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v <= 1


def count_problems(data, ref: Path, tolerance: float) -> list[str]:
    problems = []
    for split, name in LABELS.items():
        labels = gzip.decompress((ref / name).read_bytes())[8:]
        counts = {d: labels.count(int(d)) for d in DIGITS}
        unique = data[f"unique_{split}_labels"]
        if not isinstance(unique, list) or not all(_int(v) for v in unique) or set(unique) != {0, 1, 2}:
            problems.append(f"unique_{split}_labels is {unique!r}")
        per, total = data[f"samples_per_class_{split}"], data[f"num_{split}_samples"]
        if not isinstance(per, dict) or set(per) != set(DIGITS) or not all(_int(per[d]) for d in DIGITS):
            problems.append(f"samples_per_class_{split} is {per!r}")
            continue
        mean = sum(per.values()) / 3
        for d in DIGITS:
            if not 0 < per[d] <= counts[d]:
                problems.append(f"{split} digit {d}: {per[d]} images, but the data has {counts[d]}")
            if abs(per[d] - mean) > tolerance * mean:
                problems.append(f"{split} digit {d}: {per[d]} is not within {tolerance:.0%} of the mean {mean:.1f}")
        if not _int(total) or total != sum(per.values()):
            problems.append(f"num_{split}_samples {total!r} != sum of per-class counts {sum(per.values())}")
    return problems


def main(results_file, ref, settings):
    settings = json.loads(settings)
    try:
        data = json.loads(Path(results_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    has_keys = isinstance(data, dict) and all(k in data for k in KEYS)
    problems = count_problems(data, Path(ref), settings["balance_tolerance"]) if has_keys else \
        [f"missing keys or unreadable: {str(data)[:300]}"]
    recomputed, tol = settings["recomputed"], settings["report_tolerance"]
    reported = {k: data.get(k) for k in ("train_accuracy", "test_accuracy")} if isinstance(data, dict) else None
    agree = recomputed is not None and has_keys and all(
        _fraction(reported[k]) and abs(reported[k] - recomputed[k]) <= tol for k in reported)
    print(json.dumps({"checks": [
        {"name": "3. results JSON: keys, labels {0,1,2}, balanced per-class counts within the true counts",
         "ok": not problems, "detail": "; ".join(problems)},
        {"name": "5. reported accuracies are fractions within the tolerance of the recomputed ones", "ok": agree,
         "detail": f"reported {reported}; recomputed {recomputed}"}]}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
