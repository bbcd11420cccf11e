"""Validator for dataset_preprocess: normalised CIFAR-10 training images 0-9 and three augmentations each.

Nothing of the agent's runs: its preprocessing_info.json (bounded) and bounded copies of the *.npy files of the
folders it names go to a judge, hidden/check_arrays.py, which recomputes every check against the grader's copy
of the served CIFAR-10 archive (arrays loaded with allow_pickle=False)."""
import json

KEYS = ("preprocessed_data_path", "augmented_data_path")
LIMITS = ("max_abs_error", "min_version_variance", "min_pairwise_difference", "min_provenance_matches")


def test_dataset_preprocess(grading):
    info = grading.read_json(grading.path("preprocessing_info.json"), limit=32768)
    folders = [grading.path(info.get(key)) if isinstance(info, dict) else None for key in KEYS]
    copies = [grading.collect(*sorted(f.glob("*.npy")), limit=64 << 20) if f and f.is_dir() else None for f in folders]
    archive = grading.asset_reference("cifar-10") / "cifar-10-python.tar.gz"
    out = grading.reference("check_arrays.py", json.dumps(info, ensure_ascii=False), *[str(c or "-") for c in copies],
                            str(archive),
                            json.dumps({name: grading.threshold(name) for name in LIMITS}),
                            read=[archive.parent, *filter(None, copies)], timeout=grading.threshold("check_timeout_s"))
    for c in out["checks"]:
        grading.check(c["name"], c["ok"], c["detail"], c.get("value"))
