"""Judge (trusted, `grading.reference`): every check of dataset_preprocess, recomputed from the reference CIFAR-10.

Usage: check_arrays.py INFO_JSON PRE_DIR AUG_DIR ARCHIVE THRESHOLDS_JSON
INFO_JSON is the agent's preprocessing_info.json (the value, bounded by the validator); PRE_DIR / AUG_DIR are
bounded copies of the *.npy files of the folders it names ("-" when a path leaves the workspace or is no folder);
ARCHIVE is the grader's copy of the served cifar-10-python.tar.gz. Agent arrays are loaded with
allow_pickle=False. Prints {"checks": [...]} as the last line.
"""
import io
import json
import math
import os
import pickle
import re
import sys
import tarfile

import numpy as np
from mldb_judge import Checks

N, VERSIONS, MAX_NPY_BYTES = 10, 3, 1 << 20
KEYS = ("preprocessed_data_path", "augmented_data_path")


def reference_images(tar_path):
    with tarfile.open(tar_path, "r:gz") as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("data_batch_1"))
        batch = pickle.load(io.BytesIO(tar.extractfile(member).read()), encoding="latin1")  # our asset, trusted
    data = np.asarray(batch["data"][:N], dtype=np.float64).reshape(N, 3, 32, 32)
    return (data / 255.0 - 0.5) / 0.5


def close_list(value, want):
    return (isinstance(value, list) and len(value) == len(want)
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isclose(v, w, abs_tol=1e-9)
                    for v, w in zip(value, want)))


def info_problems(info, folders):
    if not isinstance(info, dict):
        return ["preprocessing_info.json is missing, too large or not a JSON object"]
    problems = []
    if re.sub(r"[\s_-]", "", str(info.get("dataset", ""))).lower() != "cifar10":
        problems.append(f"dataset is {info.get('dataset')!r}"[:200])
    pre = info.get("preprocessing") if isinstance(info.get("preprocessing"), dict) else {}
    norm = pre.get("normalization") if isinstance(pre.get("normalization"), dict) else {}
    for key, got, want in (("normalization.mean", norm.get("mean"), [0.5] * 3),
                           ("normalization.std", norm.get("std"), [0.5] * 3),
                           ("expected_shape", pre.get("expected_shape"), [3, 32, 32]),
                           ("value_range", pre.get("value_range"), [-1, 1])):
        if not close_list(got, want):
            problems.append(f"preprocessing.{key} is {got!r}, expected {want}"[:200])
    for key, folder in zip(KEYS, folders):
        if folder is None:
            problems.append(f"{key} {info.get(key)!r} is not a folder inside the workspace"[:200])
    return problems


def npy_names(folder):
    """The *.npy names of a collected folder and problems (files that were no regular file <= 1 MiB were not
    collected)."""
    if folder is None:
        return [], ["no folder"]
    names = sorted(n for n in os.listdir(folder) if n.endswith(".npy"))
    return names, [f"{n} is over {MAX_NPY_BYTES} bytes" for n in names
                   if os.path.getsize(os.path.join(folder, n)) > MAX_NPY_BYTES][:5]


def load(path, augmented=False):
    """A float64 (3, 32, 32) array, or (None, problem). Preprocessed: float32/float64 CHW as the prompt says;
    augmented (the original checks only their variation): any real numeric dtype, CHW or HWC."""
    try:
        arr = np.load(path, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001 - a broken file is a finding
        return None, f"{os.path.basename(path)}: cannot load ({type(exc).__name__}: {exc})"[:300]
    kinds = "fiu" if augmented else "f"
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in kinds or arr.dtype.itemsize > 8 or \
            (not augmented and arr.dtype not in (np.float32, np.float64)):
        return None, f"{os.path.basename(path)}: dtype {getattr(arr, 'dtype', type(arr))} is not " + \
            ("a real number type" if augmented else "float32/float64")
    if augmented and arr.shape == (32, 32, 3):
        arr = arr.transpose(2, 0, 1)
    if arr.shape != (3, 32, 32):
        return None, f"{os.path.basename(path)}: shape {arr.shape}, expected (3, 32, 32)"
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        return None, f"{os.path.basename(path)} has non-finite values"
    return arr, ""


def pearson(a, b):
    a, b = a.ravel() - a.mean(), b.ravel() - b.mean()
    denom = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denom) if denom > 0 else 0.0


def version_names(stem, names):
    """The original's pairing: `{stem}.npy` (optional) and every `{stem}_v*.npy` are versions of `stem`."""
    return [n for n in names if n == f"{stem}.npy" or (n.startswith(f"{stem}_v") and n.endswith(".npy"))]


def augmented(folder, names, stems, ref):
    """Per source image j: its valid versions; all problems; per version the source image it correlates with best."""
    candidates = [(j, r) for j in range(N) for r in (ref[j], ref[j][:, :, ::-1])]
    versions, problems, provenance = {}, [], {}
    if len(names) % N:
        problems.append(f"{len(names)} augmented .npy files, not a multiple of {N}")
    for stem, j in stems.items():
        mine = version_names(stem, names)
        if len(mine) != VERSIONS:
            problems.append(f"{stem}: {len(mine)} augmented versions ({mine[:4]}), expected {VERSIONS}")
        versions[j] = []
        for name in mine:
            arr, err = load(os.path.join(folder, name), augmented=True)
            if arr is None:
                problems.append(err)
                continue
            versions[j].append(arr)
            provenance[name] = (j, max(candidates, key=lambda c: pearson(arr, c[1]))[0])
    return versions, problems, provenance


def preprocessed(folder, names, ref, tol):
    """{stem: training image index} matched by content (a bijection onto 0-9), and problems."""
    stems, problems = {}, []
    for name in names:
        arr, err = load(os.path.join(folder, name))
        if arr is None:
            problems.append(err)
            continue
        errors = [float(np.abs(arr - ref[j]).max()) for j in range(N)]
        j = int(np.argmin(errors))
        if errors[j] > tol:
            problems.append(f"{name} matches no training image 0-9 (closest: image {j}, off by {errors[j]:.4g})")
        elif j in stems.values():
            problems.append(f"{name} repeats training image {j}")
        else:
            stems[name[:-len(".npy")]] = j
    return stems, problems


def main(info_json, pre_dir, aug_dir, archive, thresholds_json):
    info, limits = json.loads(info_json), json.loads(thresholds_json)
    pre_dir, aug_dir = (None if d == "-" else d for d in (pre_dir, aug_dir))
    ref, checks = reference_images(archive), Checks()
    problems = info_problems(info, (pre_dir, aug_dir))
    checks.record("1. preprocessing_info.json has the required keys, values and folders", not problems,
                  "; ".join(problems))
    pre_names, problems = npy_names(pre_dir)
    if pre_dir is not None and len(pre_names) != N:
        problems.append(f"{len(pre_names)} .npy files, expected {N}")
    checks.record("2. the preprocessed folder holds exactly 10 .npy files", not problems, "; ".join(problems))
    stems = {}
    with checks.check("3. preprocessed arrays equal ToTensor+Normalize(0.5, 0.5) of training images 0-9, one each"):
        assert not problems, "skipped: check 2 failed"
        stems, problems = preprocessed(pre_dir, pre_names, ref, limits["max_abs_error"])
        assert not problems, "; ".join(problems[:6])
    aug_names, problems = npy_names(aug_dir)
    if stems and not problems:
        versions, problems, provenance = augmented(aug_dir, aug_names, stems, ref)
    else:
        versions, provenance = {}, {}
        problems = problems or ["skipped: check 3 failed"]
    aug_ok = checks.record("4. every preprocessed stem X has 3 valid augmented arrays (X.npy and X_v*.npy)",
                           not problems, "; ".join(problems[:6]))
    with checks.check("5. the three augmented versions of every image differ (mean per-pixel variance over the "
                      "10 images at least the original's bar)"):
        assert aug_ok, "skipped: check 4 failed"
        variances = []
        for j, stack in ((j, np.stack(v)) for j, v in versions.items()):
            diff = min(np.abs(stack[a] - stack[b]).max() for a in range(VERSIONS) for b in range(a + 1, VERSIONS))
            assert diff > limits["min_pairwise_difference"], (
                f"image {j}: two versions are (nearly) identical (max difference {diff:.2g})")
            variances.append(float(stack.var(axis=0).mean()))
        mean = sum(variances) / len(variances)
        assert mean >= limits["min_version_variance"], (
            f"mean per-pixel variance across versions {mean:.4f} < {limits['min_version_variance']} "
            f"(per image: {[round(v, 4) for v in variances]})")
    matches = sum(1 for own, best in provenance.values() if own == best)
    wrong = sorted(n for n, (own, best) in provenance.items() if own != best)
    checks.record("6. augmented arrays derive from their own source images",
                  aug_ok and matches >= limits["min_provenance_matches"],
                  f"{matches}/30 augmented arrays are closest to their own source image; off: {wrong[:8]}"
                  if aug_ok else "skipped: check 4 failed")
    print(json.dumps({"checks": checks.results}))


if __name__ == "__main__":
    main(*sys.argv[1:6])
