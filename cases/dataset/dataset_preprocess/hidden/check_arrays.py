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

N, VERSIONS, RANGE_TOL, MAX_NPY_BYTES = 10, 3, 1e-4, 1 << 20
KEYS = ("preprocessed_data_path", "augmented_data_path")
PRE_NAMES = {f"image_{i}.npy" for i in range(N)}
AUG_NAMES = {f"image_{i}_v{k}.npy" for i in range(N) for k in range(1, VERSIONS + 1)}


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


def name_problems(folder, want):
    """Problems with the set of *.npy names (files that were no regular file ≤ 1 MiB were not collected)."""
    if folder is None:
        return ["no folder"]
    names = {n for n in os.listdir(folder) if n.endswith(".npy")}
    big = sorted(n for n in names if os.path.getsize(os.path.join(folder, n)) > MAX_NPY_BYTES)
    return ([f"{n} is over {MAX_NPY_BYTES} bytes" for n in big[:5]]
            + [f"missing (or no regular file) {sorted(want - names)[:5]}"] * bool(want - names)
            + [f"unexpected {sorted(names - want)[:5]}"] * bool(names - want))


def load(path):
    try:
        arr = np.load(path, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001 - a broken file is a finding
        return None, f"{os.path.basename(path)}: cannot load ({type(exc).__name__}: {exc})"[:300]
    if not isinstance(arr, np.ndarray) or arr.dtype not in (np.float32, np.float64):
        return None, f"{os.path.basename(path)}: dtype {getattr(arr, 'dtype', type(arr))} is not float32/float64"
    if arr.shape != (3, 32, 32):
        return None, f"{os.path.basename(path)}: shape {arr.shape}, expected (3, 32, 32)"
    return arr.astype(np.float64), ""


def pearson(a, b):
    a, b = a.ravel() - a.mean(), b.ravel() - b.mean()
    denom = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denom) if denom > 0 else 0.0


def augmented(folder, ref):
    """Per image: its valid versions; all problems; per version the source image it correlates with best."""
    candidates = [(j, r) for j in range(N) for r in (ref[j], ref[j][:, :, ::-1])]
    versions, problems, provenance = {}, [], {}
    for i in range(N):
        versions[i] = []
        for k in range(1, VERSIONS + 1):
            arr, err = load(os.path.join(folder, f"image_{i}_v{k}.npy"))
            if arr is None:
                problems.append(err)
                continue
            if not np.isfinite(arr).all():
                problems.append(f"image_{i}_v{k}.npy has non-finite values")
                continue
            if arr.min() < -1 - RANGE_TOL or arr.max() > 1 + RANGE_TOL:
                problems.append(f"image_{i}_v{k}.npy has values in [{arr.min():.3f}, {arr.max():.3f}]")
            versions[i].append(arr)
            provenance[(i, k)] = max(candidates, key=lambda c: pearson(arr, c[1]))[0]
    return versions, problems, provenance


def main(info_json, pre_dir, aug_dir, archive, thresholds_json):
    info, limits = json.loads(info_json), json.loads(thresholds_json)
    pre_dir, aug_dir = (None if d == "-" else d for d in (pre_dir, aug_dir))
    ref, checks = reference_images(archive), Checks()
    problems = info_problems(info, (pre_dir, aug_dir))
    checks.record("1. preprocessing_info.json has the required keys, values and folders", not problems,
                  "; ".join(problems))
    pre_names = name_problems(pre_dir, PRE_NAMES)
    checks.record("2. the preprocessed folder holds exactly image_0.npy ... image_9.npy", not pre_names,
                  "; ".join(pre_names))
    with checks.check("3. preprocessed arrays equal ToTensor+Normalize(0.5, 0.5) of training images 0-9"):
        assert not pre_names, "skipped: check 2 failed"
        problems = []
        for i in range(N):
            arr, err = load(os.path.join(pre_dir, f"image_{i}.npy"))
            err = err or (f"image_{i}.npy differs from training image {i} by up to {np.abs(arr - ref[i]).max():.4g}"
                          if np.abs(arr - ref[i]).max() > limits["max_abs_error"] else "")
            problems += [err] if err else []
        assert not problems, "; ".join(problems[:6])
    aug_names = name_problems(aug_dir, AUG_NAMES)
    versions, problems, provenance = augmented(aug_dir, ref) if not aug_names else ({}, aug_names, {})
    aug_ok = checks.record("4. augmented folder holds exactly the 30 valid arrays image_{i}_v{1,2,3}.npy",
                           not problems, "; ".join(problems[:6]))
    with checks.check("5. the three augmented versions of every image differ from each other"):
        assert aug_ok, "skipped: check 4 failed"
        for i in range(N):
            stack = np.stack(versions[i])
            var = float(stack.var(axis=0).mean())
            diff = min(np.abs(stack[a] - stack[b]).max() for a in range(VERSIONS) for b in range(a + 1, VERSIONS))
            assert var >= limits["min_version_variance"], (
                f"image {i}: mean per-pixel variance across versions {var:.4f} < {limits['min_version_variance']}")
            assert diff > limits["min_pairwise_difference"], (
                f"image {i}: two versions are (nearly) identical (max difference {diff:.2g})")
    matches = sum(1 for (i, _), best in provenance.items() if i == best)
    wrong = sorted(f"{i}_{k}" for (i, k), best in provenance.items() if i != best)
    checks.record("6. augmented arrays derive from their own source images",
                  aug_ok and matches >= limits["min_provenance_matches"],
                  f"{matches}/30 augmented arrays are closest to their own source image; off: {wrong[:8]}"
                  if aug_ok else "skipped: check 4 failed")
    print(json.dumps({"checks": checks.results}))


if __name__ == "__main__":
    main(*sys.argv[1:6])
