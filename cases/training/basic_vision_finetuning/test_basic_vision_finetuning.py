"""Validator for basic_vision_finetuning: the saved model is loaded and compared with the served weights.

hidden/check_model.py runs in the grading sandbox (CPU, offline): it loads `model_path` with
AutoModelForImageClassification, runs a forward pass, counts parameters, and compares the weights with the
reference copy of the served model named in model_info.json.
"""
import json
import math
import shutil
from pathlib import Path

from pytest_mldevbench.assets import manifest
from pytest_mldevbench.errors import GradingError

REF_DIR = ".grader_reference_model"


def served_image_models() -> dict:
    """hub id -> asset name, for every repo the endpoint publishes."""
    return {a.repo_id: a.name for a in manifest.ASSETS if a.kind == "hf" and a.hf_published}


def inside_path(trial, value):
    """Map a path the agent wrote into the grading dir; None if it leaves the workspace."""
    if not isinstance(value, str) or not value.strip():
        return None
    path = Path(value)
    if path.is_absolute():
        try:
            path = path.relative_to(trial.workspace)
        except ValueError:
            return None
    root = trial.grading_dir.resolve()
    target = (trial.grading_dir / path).resolve()
    return target if target == root or root in target.parents else None


def _get(data, *keys):
    for k in keys:
        data = data.get(k) if isinstance(data, dict) else None
    return data


def _pos_float(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0


def test_basic_vision_finetuning(trial):
    work = trial.grading_dir
    info_path = work / "model_info.json"
    try:
        info = json.loads(info_path.read_text(encoding="utf-8")[:1_000_000]) if info_path.is_file() else None
    except (OSError, ValueError):
        info = None
    info = info if isinstance(info, dict) else {}
    params = _get(info, "model", "parameters")
    name = _get(info, "model", "name")
    l0, l1 = _get(info, "training", "initial_loss"), _get(info, "training", "final_loss")
    served = served_image_models()
    problems = []
    if not (isinstance(params, int) and not isinstance(params, bool) and 0 < params < trial.threshold("max_parameters")):
        problems.append(f"model.parameters {params!r} is not an integer below the limit")
    if _get(info, "architecture", "output_size") != 10 or isinstance(_get(info, "architecture", "output_size"), bool):
        problems.append(f"architecture.output_size is {_get(info, 'architecture', 'output_size')!r}")
    if not (_pos_float(l0) and _pos_float(l1) and l0 != l1):
        problems.append(f"losses {l0!r}, {l1!r} are not two different finite positive numbers")
    if name not in served:
        problems.append(f"model.name {name!r} is not a model the hub endpoint serves")
    trial.check("1. model_info.json: parameters, output_size 10, two losses, served model name", not problems,
                "; ".join(problems) or "model_info.json missing or unreadable")

    model_dir = inside_path(trial, info.get("model_path"))
    is_dir = model_dir is not None and model_dir.is_dir()
    trial.check("2. model_path is a directory inside the workspace", is_dir,
                f"model_path {info.get('model_path')!r}")

    result, why = None, "no model directory to load"
    if is_dir:
        ref = work / REF_DIR
        if ref.is_symlink() or ref.is_file():
            ref.unlink()
        elif ref.is_dir():
            shutil.rmtree(ref)
        ref.mkdir()
        if name in served:
            for f in trial.asset_reference(served[name]).iterdir():
                shutil.copy(f, ref / f.name)
        try:
            result = trial.run_hidden_python("check_model.py", str(model_dir.relative_to(work.resolve())), REF_DIR,
                                             timeout=trial.threshold("load_timeout_s"))
            why = json.dumps(result)
        except GradingError as exc:
            why = str(exc)
    loaded = (result is not None and result.get("num_labels") == 10 and result.get("logits_shape") == [2, 10])
    trial.check("3. the saved model loads offline with 10 labels and gives (2, 10) logits", loaded, why)

    counted = result.get("parameters") if result else None
    tol = trial.threshold("param_count_tolerance")
    trial.check("4. loaded parameter count is below the limit and matches model.parameters",
                counted is not None and counted < trial.threshold("max_parameters") and isinstance(params, int)
                and abs(counted - params) <= tol * counted, f"loaded {counted}, reported {params!r}")

    frac = result.get("matched_fraction") if result else None
    dist = result.get("relative_l2") if result else None
    trial.check("5. the weights start from the pretrained model named in model_info.json",
                name in served and frac is not None and dist is not None
                and frac >= trial.threshold("min_matched_fraction") and dist <= trial.threshold("max_relative_l2"),
                f"model.name {name!r}: matched {frac}, relative L2 distance {dist}")
