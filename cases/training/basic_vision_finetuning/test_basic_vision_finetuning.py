"""Validator for basic_vision_finetuning: model_info.json is read as bounded JSON; the saved model folder,
collected as data, is loaded offline by a judge (hidden/check_model.py: a forward pass, its parameter count, its
weights against the served weights of model.name). Nothing of the agent's runs."""
from pytest_mldevbench.assets import manifest


def served_models() -> dict:
    """hub id -> asset name, for every repo the endpoint publishes."""
    return {a.repo_id: a.name for a in manifest.ASSETS if a.kind == "hf" and a.hf_published}


def saved_model(grading, info):
    """model_path (a folder or a state-dict file, inside the workspace), else the first workspace folder (up to 3
    levels deep) with a config.json, else the first state-dict file there."""
    if "model_path" in info:
        return grading.path(info.get("model_path")) if isinstance(info.get("model_path"), str) else None
    for pattern in ("config.json", "*.safetensors", "*.pt", "*.pth", "*.bin"):
        found = sorted({grading.path(str(f.relative_to(grading.snapshot))) for d in ("", "*/", "*/*/", "*/*/*/")
                        for f in grading.snapshot.glob(d + pattern)} - {None})
        if found:
            return found[0].parent if pattern == "config.json" else found[0]
    return None


def test_basic_vision_finetuning(grading):
    info = grading.read_json(grading.snapshot / "model_info.json")
    info = info if isinstance(info, dict) else {}
    model, arch, train = (info.get(k) if isinstance(info.get(k), dict) else {} for k in ("model", "architecture", "training"))
    params, name, served = model.get("parameters"), str(model.get("name")), served_models()
    l0, l1 = train.get("initial_loss"), train.get("final_loss")
    problems = [] if grading.integer(params) and 0 < params < grading.threshold("max_parameters") else \
        [f"model.parameters {params!r} is not an integer below the limit"]
    problems += [] if grading.integer(arch.get("output_size")) and arch["output_size"] == 10 else \
        [f"architecture.output_size is {arch.get('output_size')!r}"]
    problems += [] if all(grading.finite(v) and v > 0 for v in (l0, l1)) and l0 != l1 else \
        [f"losses {l0!r}, {l1!r} are not two different finite positive numbers"]
    problems += [] if name in served else [f"model.name {name!r} is not a model the hub endpoint serves"]
    grading.check_problems("1. model_info.json: parameters, output_size 10, two losses, served model name", problems)
    saved = saved_model(grading, info)
    found = grading.check("2. the saved model (model_path, else found in the workspace) lies inside the workspace",
                          saved is not None and saved.exists(), f"model_path {info.get('model_path')!r}")
    result = {"error": "no saved model to load"}
    if found:
        copy = grading.collect(saved) / saved.name
        ref = grading.asset_reference(served[name]) if name in served else grading.collect()
        result = grading.reference("check_model.py", str(copy), str(ref), read=[copy.parent, ref],
                                   timeout=grading.threshold("load_timeout_s"))
    grading.check("3. the saved model loads offline with 10 labels and gives (2, 10) logits",
                  result.get("num_labels") == 10 and result.get("logits_shape") == [2, 10], str(result)[:1500])
    counted, tol = result.get("parameters"), grading.threshold("param_count_tolerance")
    grading.check("4. loaded parameter count is below the limit and matches model.parameters",
                  counted is not None and counted < grading.threshold("max_parameters") and grading.integer(params)
                  and abs(counted - params) <= tol * counted, f"loaded {counted}, reported {params!r}")
    frac, dist = result.get("matched_fraction"), result.get("relative_l2")
    grading.check("5. the weights start from the pretrained model named in model_info.json",
                  name in served and frac is not None and dist is not None and frac >= grading.threshold("min_matched_fraction")
                  and dist <= grading.threshold("max_relative_l2"), f"model.name {name!r}: matched {frac}, relative L2 {dist}")
