"""Validator for full_train_workflow_setup_test.

Check 1 compares dataset/ with the reference archive in this process (tar listing, SHA-256 of a seeded
sample, the CSV mapping); checks 2-5 run hidden/eval_checkpoints.py in the grading sandbox (GPU in full):
weights_only loads, a strict load into a grader-built model, the correlation with the served backbone and
the recomputed val accuracy; check 6 cross-checks training_metrics.json with that recomputation.
"""
import csv
import hashlib
import io
import json
import math
import random
import shutil
import tarfile
from pathlib import PurePosixPath

from pytest_mldevbench.errors import GradingError

ARCHIVE = "imagenette2-160.tgz"
SAMPLE_SEED = 4242
VAL_DIR, REF_DIR, LABELS = ".grader_val", ".grader_dinov2", ".grader_labels.json"


def reference(trial):
    """(listing {(split, wnid): {name: member}}, csv mapping {path: noisy50}, open tarfile)."""
    tar = tarfile.open(trial.asset_reference("imagenette2-160") / ARCHIVE)
    listing, mapping = {}, {}
    for m in tar.getmembers():
        parts = PurePosixPath(m.name).parts
        if m.isfile() and len(parts) == 4 and parts[1] in ("train", "val") and parts[3].endswith(".JPEG"):
            listing.setdefault((parts[1], parts[2]), {})[parts[3]] = m
        elif m.isfile() and parts[-1] == "noisy_imagenette.csv":
            rows = csv.DictReader(io.TextIOWrapper(tar.extractfile(m), encoding="utf-8"))
            mapping = {r["path"]: r["noisy_labels_50"] for r in rows}
    return listing, mapping, tar


def _inside(root, path) -> bool:
    resolved, top = path.resolve(), root.resolve()
    return top in resolved.parents


def dataset_problems(work, listing, mapping, tar) -> list[str]:
    problems, rng = [], random.Random(SAMPLE_SEED)
    for (split, wnid), members in sorted(listing.items()):
        folder = work / "dataset" / split / wnid
        names = {p.name for p in folder.glob("*.JPEG")} if folder.is_dir() and _inside(work, folder) else set()
        if names != set(members):
            problems.append(f"{split}/{wnid}: {len(names)} files, expected {len(members)} "
                            f"(missing {len(set(members) - names)}, extra {len(names - set(members))})")
            continue
        for name in rng.sample(sorted(members), min(3, len(members))):
            path = folder / name
            want = hashlib.sha256(tar.extractfile(members[name]).read()).hexdigest()
            if not _inside(work, path) or hashlib.sha256(path.read_bytes()).hexdigest() != want:
                problems.append(f"{split}/{wnid}/{name} differs from the archive (or points outside the workspace)")
    csv_path = work / "dataset" / "noisy_labels_50.csv"
    try:
        rows = list(csv.DictReader(csv_path.open(encoding="utf-8"))) if csv_path.is_file() else None
    except (OSError, UnicodeDecodeError, csv.Error):
        rows = None
    if rows is None or not rows or not {"path", "label"} <= set(rows[0]):
        problems.append("dataset/noisy_labels_50.csv missing or without columns path,label")
    else:
        pairs = [(r["path"], r["label"]) for r in rows]
        if len(set(pairs)) != len(pairs) or dict(pairs) != mapping or len(pairs) != len(mapping):
            wrong = sum(1 for p, l in pairs if mapping.get(p) != l)
            problems.append(f"noisy_labels_50.csv: {len(pairs)} rows ({len(mapping)} expected), {wrong} wrong labels")
    return problems


def _clear(path):
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def test_full_train_workflow_setup_test(trial):
    work = trial.grading_dir
    listing, mapping, tar = reference(trial)
    with tar:
        problems = dataset_problems(work, listing, mapping, tar)
        trial.check("1. dataset/ matches the archive (listing, sampled bytes) and the 50 % label CSV", not problems,
                    "; ".join(problems[:8]))
        # grader-private inputs for the evaluation: reference val images, served model, labels
        for name in (VAL_DIR, REF_DIR, LABELS):
            _clear(work / name)
        for (split, _), members in listing.items():
            if split == "val":
                for name, m in members.items():
                    target = work / VAL_DIR / PurePosixPath(m.name).relative_to(PurePosixPath(m.name).parts[0])
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(tar.extractfile(m).read())
    shutil.copytree(trial.asset_reference("hf-dinov2-small"), work / REF_DIR)
    classes = sorted({wnid for _, wnid in listing})
    (work / LABELS).write_text(json.dumps({"classes": classes,
                                           "val": {p: l for p, l in mapping.items() if p.startswith("val/")}}))

    try:
        ev = trial.run_hidden_python("eval_checkpoints.py", "checkpoints", REF_DIR, VAL_DIR, LABELS,
                                     timeout=trial.threshold("eval_timeout_s"), gpu=trial.profile == "full")
    except GradingError as exc:
        ev = {"error": str(exc)}
    detail = json.dumps(ev)[:1500]
    epochs = ev.get("epochs", [])
    trial.check("2. exactly four checkpoints, each loads with weights_only=True, epochs {1, 2, 3, 4}",
                len(ev.get("files", [])) == 4 and ev.get("loaded") and sorted(map(str, epochs)) == ["1", "2", "3", "4"],
                detail)
    trial.check("3. the epoch-4 model_state_dict loads strictly into Dinov2ForImageClassification(num_labels=10)",
                bool(ev.get("strict_ok")), detail)
    pearson = ev.get("pearson")
    trial.check("4. the backbone starts from the pretrained weights (Pearson correlation)",
                _num(pearson) and pearson >= trial.threshold("min_pearson"), f"pearson {pearson}; {detail}")
    acc = ev.get("accuracy")
    trial.check("5. recomputed val accuracy of the epoch-4 model reaches the threshold",
                _num(acc) and acc >= trial.threshold("min_val_acc"), f"recomputed {acc}; {detail}")

    metrics_path = work / "training_metrics.json"
    try:
        metrics = json.loads(metrics_path.read_text(encoding="utf-8")[:1_000_000]) if metrics_path.is_file() else None
    except (OSError, ValueError):
        metrics = None
    problems = []
    entries = metrics.get("epochs") if isinstance(metrics, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        problems.append("training_metrics.json missing or without an epochs list")
    else:
        if sorted(e.get("epoch") for e in entries if isinstance(e.get("epoch"), int)) != [1, 2, 3, 4] or len(entries) != 4:
            problems.append(f"epochs listed: {[e.get('epoch') for e in entries]}")
        if not all(all(_num(e.get(k)) for k in ("train_loss", "train_acc", "val_loss", "val_acc")) for e in entries):
            problems.append("an epoch entry lacks a numeric train_loss/train_acc/val_loss/val_acc")
        else:
            best = metrics.get("best_val_acc")
            top = max(e["val_acc"] for e in entries)
            if not (_num(best) and 1 < best <= 100 and abs(best - top) <= 0.01):
                problems.append(f"best_val_acc {best!r} is not the percent maximum of val_acc ({top})")
            last = [e["val_acc"] for e in entries if e.get("epoch") == 4]
            if not (last and _num(acc) and abs(last[0] - acc) <= trial.threshold("max_report_gap")):
                problems.append(f"reported epoch-4 val_acc {last[:1]} vs recomputed {acc}")
    trial.check("6. training_metrics.json: four epochs, best_val_acc in percent, epoch-4 val_acc matches", not problems,
                "; ".join(problems))
