"""Validator for dataset_preprocess: normalised CIFAR-10 training images 0-9 and three augmentations each.

The arrays are checked by hidden/check_arrays.py, run in the grading sandbox with the task environment
against the reference copy of the served CIFAR-10 archive (agent files loaded with allow_pickle=False).
"""
import json
import math
import os
import re
from pathlib import Path

from pytest_mldevbench.errors import GradingError

ASSET, ARCHIVE = "cifar-10", "cifar-10-python.tar.gz"
N, VERSIONS = 10, 3
MAX_NPY_BYTES = 1 << 20
PRE_NAMES = {f"image_{i}.npy" for i in range(N)}
AUG_NAMES = {f"image_{i}_v{k}.npy" for i in range(N) for k in range(1, VERSIONS + 1)}


def inside(trial, raw) -> Path | None:
    """Map a path the agent wrote (relative to the workspace, or absolute under it) into the snapshot and
    resolve it; None when it is not a usable string or resolves outside the snapshot (symlinks included)."""
    if not isinstance(raw, str) or not raw.strip() or "\0" in raw:
        return None
    snap = Path(os.path.realpath(trial.snapshot))
    roots = {Path(str(trial.workspace)), Path(os.path.realpath(trial.workspace))}
    path = Path(raw.strip())
    if path.is_absolute() and not path.is_relative_to(snap):
        rel = next((path.relative_to(r) for r in roots if path.is_relative_to(r)), None)
        if rel is None:
            return None
        path = snap / rel
    else:
        path = snap / path
    for _ in range(20):
        real = Path(os.path.realpath(path))
        if real == snap or real.is_relative_to(snap):
            return real
        rel = next((real.relative_to(r) for r in roots if real.is_relative_to(r)), None)
        if rel is None:
            return None
        path = snap / rel  # an absolute link into the original workspace: follow it in the snapshot
    return None


def close_list(value, want) -> bool:
    return (isinstance(value, list) and len(value) == len(want)
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isclose(v, w, abs_tol=1e-9)
                    for v, w in zip(value, want)))


def info_problems(info) -> list[str]:
    if not isinstance(info, dict):
        return ["not a JSON object"]
    problems = []
    if re.sub(r"[\s_-]", "", str(info.get("dataset", ""))).lower() != "cifar10":
        problems.append(f"dataset is {info.get('dataset')!r}")
    pre = info.get("preprocessing") if isinstance(info.get("preprocessing"), dict) else {}
    norm = pre.get("normalization") if isinstance(pre.get("normalization"), dict) else {}
    for key, got, want in (("normalization.mean", norm.get("mean"), [0.5] * 3),
                           ("normalization.std", norm.get("std"), [0.5] * 3),
                           ("expected_shape", pre.get("expected_shape"), [3, 32, 32]),
                           ("value_range", pre.get("value_range"), [-1, 1])):
        if not close_list(got, want):
            problems.append(f"preprocessing.{key} is {got!r}, expected {want}")
    return problems


def npy_names(trial, folder: Path) -> tuple[set[str], list[str]]:
    """Names of *.npy entries in folder, and problems with them (not regular files inside, too large)."""
    names, problems = set(), []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".npy"):
            continue
        names.add(name)
        real = inside(trial, str(folder / name))
        if real is None or not real.is_file():
            problems.append(f"{name} is not a regular file inside the workspace")
        elif real.stat().st_size > MAX_NPY_BYTES:
            problems.append(f"{name} is {real.stat().st_size} bytes")
    return names, problems


def run_checker(trial, pre_rel: str, aug_rel: str) -> dict:
    reference = trial.asset_reference(ASSET)
    script = trial.hidden_dir / "check_arrays.py"
    res = trial.run_script(["python", str(script), str(reference / ARCHIVE), pre_rel, aug_rel],
                           timeout=trial.threshold("check_timeout_s"), extra_ro=[trial.hidden_dir, reference])
    lines = res.stdout.strip().splitlines()
    try:
        data = json.loads(lines[-1]) if lines else None
    except ValueError:
        data = None
    if res.returncode != 0 or not isinstance(data, dict):
        raise GradingError(f"check_arrays.py failed (exit {res.returncode}): {res.stderr[-800:]}")
    return data


def test_dataset_preprocess(trial):
    snap_real = Path(os.path.realpath(trial.snapshot))

    # 1. preprocessing_info.json
    problems, pre_dir, aug_dir = [], None, None
    try:
        info = json.loads((trial.snapshot / "preprocessing_info.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        info, problems = None, [f"preprocessing_info.json unreadable: {exc}"]
    if info is not None:
        problems += info_problems(info)
        if isinstance(info, dict):
            pre_dir = inside(trial, info.get("preprocessed_data_path"))
            aug_dir = inside(trial, info.get("augmented_data_path"))
            for key, d in (("preprocessed_data_path", pre_dir), ("augmented_data_path", aug_dir)):
                if d is None or not d.is_dir():
                    problems.append(f"{key} {info.get(key)!r} is not a folder inside the workspace")
    pre_dir = pre_dir if pre_dir is not None and pre_dir.is_dir() else None
    aug_dir = aug_dir if aug_dir is not None and aug_dir.is_dir() else None
    trial.check("1. preprocessing_info.json has the required keys, values and folders", not problems,
                "; ".join(problems))

    # 2. exactly image_0.npy ... image_9.npy in the preprocessed folder
    pre_ok, detail = False, "no preprocessed folder"
    if pre_dir is not None:
        names, bad = npy_names(trial, pre_dir)
        pre_ok = names == PRE_NAMES and not bad
        detail = "; ".join(bad + [f"missing {sorted(PRE_NAMES - names)}"] * bool(PRE_NAMES - names)
                           + [f"unexpected {sorted(names - PRE_NAMES)[:5]}"] * bool(names - PRE_NAMES))
    trial.check("2. the preprocessed folder holds exactly image_0.npy ... image_9.npy", pre_ok, detail)

    aug_ok, detail = False, "no augmented folder"
    if aug_dir is not None:
        names, bad = npy_names(trial, aug_dir)
        aug_ok = names == AUG_NAMES and not bad
        detail = "; ".join(bad + [f"missing {sorted(AUG_NAMES - names)[:5]}"] * bool(AUG_NAMES - names)
                           + [f"unexpected {sorted(names - AUG_NAMES)[:5]}"] * bool(names - AUG_NAMES))

    result = None
    if pre_ok or aug_ok:
        none = "/nonexistent-mldb"  # the checker reports load errors there; its findings are ignored
        result = run_checker(trial, str(pre_dir.relative_to(snap_real)) if pre_ok else none,
                             str(aug_dir.relative_to(snap_real)) if aug_ok else none)

    # 3. each preprocessed array equals the recomputed normalised training image
    problems = ["skipped: check 2 failed"] if not pre_ok else []
    if pre_ok:
        tol = trial.threshold("max_abs_error")
        for i in range(N):
            r = result["pre"][str(i)]
            if r["error"]:
                problems.append(r["error"])
            elif r["max_err"] > tol:
                problems.append(f"image_{i}.npy differs from training image {i} by up to {r['max_err']:.4g}")
    trial.check("3. preprocessed arrays equal ToTensor+Normalize(0.5, 0.5) of training images 0-9", not problems,
                "; ".join(problems[:6]))

    # 4. 30 augmented arrays: loadable, float, (3, 32, 32), finite, within [-1, 1]
    problems = [detail] if not aug_ok else list(result["aug_problems"])
    trial.check("4. augmented folder holds exactly the 30 valid arrays image_{i}_v{1,2,3}.npy", not problems,
                "; ".join(problems[:6]))

    # 5. the three versions of every image vary
    problems = ["skipped: check 4 failed"] if not aug_ok else []
    if aug_ok:
        for i in range(N):
            var, diff = result["variance"].get(str(i)), result["pairwise_min"].get(str(i))
            if var is None:
                problems.append(f"image {i}: its three versions could not all be read")
            elif var < trial.threshold("min_version_variance"):
                problems.append(f"image {i}: mean per-pixel variance across versions {var:.4f} "
                                f"< {trial.threshold('min_version_variance')}")
            elif diff <= trial.threshold("min_pairwise_difference"):
                problems.append(f"image {i}: two versions are (nearly) identical (max difference {diff:.2g})")
    trial.check("5. the three augmented versions of every image differ from each other", not problems,
                "; ".join(problems[:6]))

    # 6. provenance: each augmented array is closest to its own source image (or its mirror image)
    matches, detail = 0, "skipped: check 4 failed"
    if aug_ok:
        prov = result["provenance"]
        matches = sum(1 for key, best in prov.items() if int(key.split("_")[0]) == best)
        wrong = sorted(k for k, best in prov.items() if int(k.split("_")[0]) != best)
        detail = f"{matches}/30 augmented arrays are closest to their own source image; off: {wrong[:8]}"
    trial.check("6. augmented arrays derive from their own source images",
                aug_ok and matches >= trial.threshold("min_provenance_matches"), detail)
