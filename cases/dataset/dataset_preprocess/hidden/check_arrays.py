"""Grader helper (task environment, sandboxed): check the saved arrays against the reference CIFAR-10.

Usage: python check_arrays.py <reference cifar-10-python.tar.gz> <preprocessed dir> <augmented dir>
(the directories relative to the cwd; the grader has already checked which files exist). Prints one JSON
line with the findings; the grader turns them into checks. Agent files are read with allow_pickle=False.
"""
import io
import json
import pickle
import sys
import tarfile

import numpy as np

N, VERSIONS, TOL, RANGE_TOL = 10, 3, 1e-4, 1e-4


def reference_images(tar_path):
    with tarfile.open(tar_path, "r:gz") as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("data_batch_1"))
        batch = pickle.load(io.BytesIO(tar.extractfile(member).read()), encoding="latin1")
    data = np.asarray(batch["data"][:N], dtype=np.float64).reshape(N, 3, 32, 32)
    return (data / 255.0 - 0.5) / 0.5


def load(path):
    try:
        arr = np.load(path, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001 - a broken file is a finding
        return None, f"{path}: cannot load ({type(exc).__name__}: {exc})"[:300]
    if not isinstance(arr, np.ndarray) or arr.dtype not in (np.float32, np.float64):
        return None, f"{path}: dtype {getattr(arr, 'dtype', type(arr))} is not float32/float64"
    if arr.shape != (3, 32, 32):
        return None, f"{path}: shape {arr.shape}, expected (3, 32, 32)"
    return arr.astype(np.float64), ""


def pearson(a, b):
    a, b = a.ravel() - a.mean(), b.ravel() - b.mean()
    denom = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denom) if denom > 0 else 0.0


def main(tar_path, pre_dir, aug_dir):
    ref = reference_images(tar_path)
    out = {"pre": {}, "aug_problems": [], "variance": {}, "pairwise_min": {}, "provenance": {}}
    for i in range(N):
        arr, err = load(f"{pre_dir}/image_{i}.npy")
        out["pre"][i] = {"error": err, "max_err": None if arr is None else float(np.abs(arr - ref[i]).max())}
    candidates = [(j, r) for j in range(N) for r in (ref[j], ref[j][:, :, ::-1])]
    for i in range(N):
        versions = []
        for k in range(1, VERSIONS + 1):
            arr, err = load(f"{aug_dir}/image_{i}_v{k}.npy")
            if arr is None:
                out["aug_problems"].append(err)
                continue
            if not np.isfinite(arr).all():
                out["aug_problems"].append(f"image_{i}_v{k}.npy has non-finite values")
                continue
            if arr.min() < -1 - RANGE_TOL or arr.max() > 1 + RANGE_TOL:
                out["aug_problems"].append(f"image_{i}_v{k}.npy has values in [{arr.min():.3f}, {arr.max():.3f}]")
            versions.append(arr)
            best = max(candidates, key=lambda c: pearson(arr, c[1]))[0]
            out["provenance"][f"{i}_{k}"] = best
        if len(versions) == VERSIONS:
            stack = np.stack(versions)
            out["variance"][i] = float(stack.var(axis=0).mean())
            out["pairwise_min"][i] = float(min(np.abs(stack[a] - stack[b]).max()
                                               for a in range(VERSIONS) for b in range(a + 1, VERSIONS)))
    print(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:4])
