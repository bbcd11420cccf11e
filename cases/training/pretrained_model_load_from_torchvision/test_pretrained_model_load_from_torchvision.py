"""Validator for pretrained_model_load_from_torchvision: model_info.json, and the saved file loaded in an
isolated process and compared tensor for tensor with the reference copy of the served weights."""
import json
import os
import re
import uuid
from pathlib import Path

ASSET = "tv-resnet18"
MAX_MODEL_BYTES = 200_000_000


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


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def run_loader(trial, *args, reference: Path | None = None) -> dict:
    """hidden/load_model.py in the grading sandbox (CPU); its last stdout line is JSON."""
    extra = [trial.hidden_dir] + ([reference] if reference is not None else [])
    res = trial.run_script(["python", str(trial.hidden_dir / "load_model.py"), *args],
                           timeout=trial.threshold("load_timeout_s"), extra_ro=extra)
    lines = res.stdout.strip().splitlines()
    try:
        data = json.loads(lines[-1]) if lines else None
    except ValueError:
        data = None
    if res.timed_out or not isinstance(data, dict):
        return {"error": f"exit {res.returncode}, timed out {res.timed_out}: {res.stderr[-600:]}"}
    return data


def test_pretrained_model_load_from_torchvision(trial):
    meta = trial.asset_meta(ASSET)["recorded"]
    reference = trial.asset_reference(ASSET)
    try:
        info = json.loads((trial.snapshot / "model_info.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        info, err = None, f"model_info.json unreadable: {exc}"
    else:
        err = "" if isinstance(info, dict) else "model_info.json is not an object"
    info = info if isinstance(info, dict) else {}

    # 1. keys and model name
    missing = [k for k in ("model_name", "model_path", "architecture") if k not in info]
    name = re.sub(r"[-_\s]", "", str(info.get("model_name", ""))).lower()
    trial.check("1. model_info.json has model_name (resnet18), model_path and architecture",
                not err and not missing and "resnet18" in name, err or f"missing {missing}; model_name "
                f"{info.get('model_name')!r}")

    # 2. architecture facts
    arch = info.get("architecture") if isinstance(info.get("architecture"), dict) else {}
    shape, count = arch.get("input_shape"), arch.get("num_parameters")
    shape_ok = isinstance(shape, list) and len(shape) >= 3 and all(is_int(v) for v in shape) and shape[-3:] == [3, 224, 224]
    trial.check("2. input_shape ends in [3, 224, 224] and num_parameters is the trainable parameter count",
                shape_ok and is_int(count) and count == meta["num_parameters"],
                f"input_shape {shape!r}, num_parameters {count!r} (expected {meta['num_parameters']})")

    # 3. the model file is a regular file inside the workspace
    model = inside(trial, info.get("model_path"))
    ok = model is not None and model.is_file() and model.stat().st_size <= MAX_MODEL_BYTES
    trial.check("3. model_path is a regular file inside the workspace", ok,
                f"model_path {info.get('model_path')!r} is not a file inside the workspace (or too large)")

    # 4./5. isolated load and tensor comparison
    loaded, equal, detail = False, False, "skipped: no model file"
    if ok:
        rel = str(model.relative_to(Path(os.path.realpath(trial.snapshot))))
        ref_file = str(reference / meta["file"])
        result = run_loader(trial, "compare", rel, ref_file, reference=reference)
        if not result.get("weights_only"):
            # not a plain state dict: general unpickling in its own sandboxed process, which may only
            # hand back tensors; the verdict comes from a second, weights_only comparison of those
            converted = f".mldb-unpickled-{uuid.uuid4().hex}.pt"
            unpickled = run_loader(trial, "unpickle", rel, converted)
            if unpickled.get("module") is True and (trial.grading_dir / converted).is_file():
                result = run_loader(trial, "compare", converted, ref_file, reference=reference)
            else:
                result = {"detail": f"{result.get('detail') or result.get('error')}; unpickling gave no "
                                    f"nn.Module: {unpickled}"}
        loaded, equal = bool(result.get("strict_load")), bool(result.get("equal"))
        detail = result.get("detail") or result.get("error", "")
    trial.check("4. the file loads (isolated) into torchvision.models.resnet18() with strict=True", loaded, detail)
    trial.check("5. every tensor equals the pretrained weights, BatchNorm statistics included", loaded and equal,
                detail)
