"""Validator for full_train_workflow_setup_test. Nothing of the agent's runs. Check 1 compares dataset/ with the
served archive here (listing, SHA-256 of a seeded sample, the whole CSV mapping; files read bounded, links
followed only inside the workspace); checks 2-5 are a judge's (hidden/eval_checkpoints.py) on a collected copy of
checkpoints/: weights_only loads, four distinct weight sets, a strict load into a judge-built model, the
correlation with the served backbone and the val accuracy recomputed on the archive's images; the same judge
cross-checks training_metrics.json (a bounded copy) with that recomputation (check 6)."""
import csv
import hashlib
import io
import random
import tarfile
from pathlib import PurePosixPath

SAMPLE_SEED = 4242


def dataset_problems(grading, archive) -> list[str]:
    with tarfile.open(archive) as tar:
        listing, mapping = {}, {}
        for m in tar.getmembers():
            parts = PurePosixPath(m.name).parts
            if m.isfile() and len(parts) == 4 and parts[1] in ("train", "val") and parts[3].endswith(".JPEG"):
                listing.setdefault((parts[1], parts[2]), {})[parts[3]] = m
            elif m.isfile() and parts[-1] == "noisy_imagenette.csv":
                rows = csv.DictReader(io.TextIOWrapper(tar.extractfile(m), encoding="utf-8"))
                mapping = {r["path"]: r["noisy_labels_50"] for r in rows}
        problems, rng = [], random.Random(SAMPLE_SEED)
        for (split, wnid), members in sorted(listing.items()):
            folder = grading.path(f"dataset/{split}/{wnid}")
            names = {p.name for p in folder.glob("*.JPEG")} if folder is not None and folder.is_dir() else set()
            if names != set(members):
                problems.append(f"{split}/{wnid}: {len(names)} files, expected {len(members)} "
                                f"(missing {len(set(members) - names)}, extra {len(names - set(members))})")
                continue
            for name in rng.sample(sorted(members), min(3, len(members))):
                data = grading.read_bytes(grading.path(f"dataset/{split}/{wnid}/{name}"), 50_000_000)
                if data is None or hashlib.sha256(data).digest() != hashlib.sha256(tar.extractfile(members[name]).read()).digest():
                    problems.append(f"{split}/{wnid}/{name} differs from the archive (or points outside the workspace)")
    text = grading.read_text(grading.path("dataset/noisy_labels_50.csv"), 50_000_000)
    try:
        rows = list(csv.DictReader(io.StringIO(text))) if text is not None else []
    except csv.Error:
        rows = []
    if not rows or not {"path", "label"} <= set(rows[0]):
        return problems + ["dataset/noisy_labels_50.csv missing or without columns path,label"]
    pairs = [(r["path"], r["label"]) for r in rows]
    if len(set(pairs)) != len(pairs) or dict(pairs) != mapping or len(pairs) != len(mapping):
        wrong = sum(1 for p, lab in pairs if mapping.get(p) != lab)
        problems.append(f"noisy_labels_50.csv: {len(pairs)} rows ({len(mapping)} expected), {wrong} wrong labels")
    return problems


def test_full_train_workflow_setup_test(grading):
    archive = grading.asset_reference("imagenette2-160") / "imagenette2-160.tgz"
    grading.check_problems("1. dataset/ matches the archive (listing, sampled bytes) and the 50 % label CSV",
                           dataset_problems(grading, archive)[:8])
    ckpts = grading.collect(grading.snapshot / "checkpoints", limit=4 * 2**30) / "checkpoints"
    metrics = grading.collect(grading.snapshot / "training_metrics.json", limit=1_000_000) / "training_metrics.json"
    ref = grading.asset_reference("hf-dinov2-small")
    ev = grading.reference("eval_checkpoints.py", str(ckpts), str(ref), str(archive), str(metrics),
                           str(grading.threshold("max_report_gap")), read=[ckpts.parent, metrics.parent, ref, archive.parent],
                           timeout=grading.threshold("eval_timeout_s"), gpu=grading.profile == "full")
    detail = str(ev)[:1500]
    grading.check("2. exactly four checkpoints, each loads with weights_only=True, distinct weights (epochs 1-4 if given)",
                  len(ev["files"]) == 4 and ev["loaded"] and ev["epochs_ok"] and ev["distinct"], detail)
    grading.check("3. the final model_state_dict loads strictly into Dinov2ForImageClassification(num_labels=10)",
                  ev["strict_ok"], detail)
    pearson, acc = ev["pearson"], ev["accuracy"]
    grading.check("4. the backbone starts from the pretrained weights (Pearson correlation)",
                  grading.finite(pearson) and pearson >= grading.threshold("min_pearson"), f"pearson {pearson}; {detail}")
    grading.check("5. recomputed val accuracy of the final model reaches the threshold",
                  grading.finite(acc) and acc >= grading.threshold("min_val_acc"), f"recomputed {acc}; {detail}")
    grading.check_problems("6. training_metrics.json: best_val_acc in percent, not below the recomputed final accuracy",
                           ev["metrics_problems"])
