"""Validator for noisy_dataset_download: extracted dataset, full noisy-label export and noisy-label counts.

Nothing of the agent's runs: bounded copies of its extracted train/ and val/ folders and of its three CSV files
go to a judge, hidden/check_dataset.py, which derives every expected value (file listing, image hashes, the
path -> noisy_labels_50 mapping, per-class counts) from the grader's copy of the served archive."""
CSVS = ("all_noisy_labels_50.csv", "train_class_counts.csv", "validation_class_counts.csv")


def test_noisy_dataset_download(grading):
    info = grading.read_json(grading.path("dataset_info.json"))
    raw = info.get("dataset_path") if isinstance(info, dict) else None
    root = grading.path(raw)
    splits = [root / s for s in ("train", "val")] if root is not None else []
    ok = bool(splits) and all(s.is_dir() and not s.is_symlink() for s in splits)
    grading.check("1. dataset_info.json names the extracted dataset folder inside the workspace", ok,
                  f"dataset_path {raw!r} is not a folder inside the workspace holding train/ and val/ folders")
    data = grading.collect(*(splits if ok else []), *[grading.snapshot / name for name in CSVS])
    archive = grading.asset_reference("imagenette2-160") / "imagenette2-160.tgz"
    out = grading.reference("check_dataset.py", str(archive), str(data), read=[archive.parent, data],
                            timeout=grading.threshold("decode_timeout_s"))
    for c in out["checks"]:
        grading.check(c["name"], c["ok"], c["detail"], c.get("value"))
