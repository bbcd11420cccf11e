"""Validator for pretrained_model_load_from_torchvision: model_info.json read as bounded JSON; the saved file,
collected as data, is loaded weights_only by a judge (hidden/compare_weights.py) and compared tensor for tensor
with the served weights. A whole pickled module is unpickled only in the agent's sandbox (hidden/unpickle.py):
the state dict it writes is again just data for the judge."""
import os
import re
from pathlib import Path

ASSET = "tv-resnet18"
MAX_MODEL_BYTES = 200_000_000


def compare(grading, file: Path) -> dict:
    reference = grading.asset_reference(ASSET)
    copy = grading.collect(file, limit=MAX_MODEL_BYTES) / file.name
    return grading.reference("compare_weights.py", str(copy), str(reference / grading.asset_meta(ASSET)["recorded"]["file"]),
                             read=[copy.parent, reference], timeout=grading.threshold("load_timeout_s"))


def test_pretrained_model_load_from_torchvision(grading):
    expected = grading.asset_meta(ASSET)["recorded"]["num_parameters"]
    info = grading.read_json(grading.snapshot / "model_info.json")
    info = info if isinstance(info, dict) else {}
    missing = [k for k in ("model_name", "model_path", "architecture") if k not in info]
    grading.check("1. model_info.json has model_name (resnet18), model_path and architecture",
                  not missing and "resnet18" in re.sub(r"[-_\s]", "", str(info.get("model_name", ""))).lower(),
                  f"model_info.json (missing, not JSON or not an object) lacks {missing}; model_name {info.get('model_name')!r}")
    arch = info.get("architecture") if isinstance(info.get("architecture"), dict) else {}
    shape, count = arch.get("input_shape"), arch.get("num_parameters")
    grading.check("2. input_shape ends in [3, 224, 224] and num_parameters is the trainable parameter count",
                  isinstance(shape, list) and all(map(grading.integer, shape)) and shape[-3:] == [3, 224, 224]
                  and grading.integer(count) and count == expected,
                  f"input_shape {shape!r}, num_parameters {count!r} (expected {expected})")
    model = grading.path(info.get("model_path"))
    ok = grading.check("3. model_path is a regular file inside the workspace",
                       model is not None and model.is_file() and model.stat().st_size <= MAX_MODEL_BYTES,
                       f"model_path {info.get('model_path')!r} is not a file inside the workspace (or too large)")
    result = compare(grading, model) if ok else {"strict_load": False, "equal": False, "detail": "no model file"}
    if ok and not result["weights_only"]:  # not a plain state dict: a whole pickled module, unpickled untrusted
        unpickled = grading.add_hidden("unpickle.py", ".mldb-unpickle.py").with_name(".mldb-unpickled.pt")
        grading.run(["python", ".mldb-unpickle.py", str(model.relative_to(os.path.realpath(grading.snapshot))),
                     str(unpickled)], timeout=grading.threshold("load_timeout_s"))
        result = compare(grading, unpickled)
    grading.check("4. the file loads (weights_only, in a judge) into torchvision.models.resnet18() with strict=True",
                  result["strict_load"], result["detail"])
    grading.check("5. every tensor equals the pretrained weights, BatchNorm statistics included",
                  result["strict_load"] and result["equal"], result["detail"])
