"""Validator for basic_vision_finetuning: model_info.json is read as bounded JSON; the saved models and the first
mini-batch, collected as data, are loaded offline by judges (hidden/check_model.py: a forward pass, the parameter
count, the weights against the served weights of model.name; hidden/check_steps.py: the initial model, the batch
against CIFAR-10, the recomputed initial loss, the update against the first batch's gradient, and a permutation test
of whether the head's change raised each image's own label more than the other labels of the batch). Nothing of the agent's runs."""
import json

from pytest_mldevbench.assets import manifest

MIN_BATCH, MAX_BATCH = 16, 32


def served_models() -> dict:
    """hub id -> asset name, for every repo the endpoint publishes."""
    return {a.repo_id: a.name for a in manifest.ASSETS if a.kind == "hf" and a.hf_published}


def saved_model(grading, info):
    """model_path (a folder or a state-dict file, inside the workspace), else the first workspace folder (up to 3
    levels deep) with a config.json, else the first state-dict file there (neither the initial model nor
    first_batch.pt)."""
    if "model_path" in info:
        return grading.path(info.get("model_path")) if isinstance(info.get("model_path"), str) else None
    initial = grading.path(info.get("initial_model_path")) if isinstance(info.get("initial_model_path"), str) else None
    evidence = {p for p in (initial, grading.path("first_batch.pt")) if p is not None}
    for pattern in ("config.json", "*.safetensors", "*.pt", "*.pth", "*.bin"):
        found = sorted({grading.path(str(f.relative_to(grading.snapshot))) for d in ("", "*/", "*/*/", "*/*/*/")
                        for f in grading.snapshot.glob(d + pattern)} - {None})
        found = [f for f in found if not any(f == e or e in f.parents for e in evidence)]
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
    steps = two_steps(grading, info, train, saved if found else None, name, served)
    grading.check("6. initial_model_path holds the served model (backbone unchanged) with a 10-way head",
                  steps.get("initial_relative_l2") is not None and steps.get("initial_matched_fraction", 0)
                  >= grading.threshold("min_matched_fraction")
                  and steps["initial_relative_l2"] <= grading.threshold("max_initial_relative_l2"), str(steps)[:1500])
    grading.check("7. first_batch.pt holds the CIFAR-10 training images and labels at batch_indices[0]",
                  steps.get("labels_match") is True and (steps.get("image_correlation") or 0)
                  >= grading.threshold("min_image_correlation"),
                  f"labels match {steps.get('labels_match')}, image correlation {steps.get('image_correlation')}")
    grading.check("8. initial_loss is the initial model's cross-entropy on first_batch.pt",
                  steps.get("loss_error") is not None and steps["loss_error"] <= grading.threshold("max_loss_error"),
                  f"reported {l0!r}, recomputed {steps.get('recomputed_losses')}")
    cos, z = steps.get("descent_cosine"), steps.get("descent_z")
    grading.check("9. initial - final is a descent step on the first batch (aligned with its gradient)",
                  cos is not None and z is not None and cos >= grading.threshold("min_descent_cosine")
                  and z >= grading.threshold("min_descent_z"),
                  f"cosine {cos}, z {z}, changed {steps.get('changed_parameters')}/{steps.get('parameters')} "
                  f"parameters, update norm {steps.get('update_norm')}", value=cos)
    p = steps.get("pairing_p")
    grading.check("10. the head's change raised each first-batch image's own label more than the batch's other labels "
                  "(a permutation test: not from the label counts, other images or noise)",
                  p is not None and p <= grading.threshold("max_pairing_p"),
                  f"p {p} (Bonferroni over {steps.get('pairing_ps')}), head {steps.get('head_parameters')}", value=p)


def two_steps(grading, info, train, saved, name, served) -> dict:
    """The judge's measurements of the steps (hidden/check_steps.py), or {"error"} when something is missing."""
    indices = train.get("batch_indices")
    if not (isinstance(indices, list) and len(indices) == 2 and all(
            isinstance(b, list) and MIN_BATCH <= len(b) <= MAX_BATCH and all(grading.integer(i) for i in b) for b in indices)):
        return {"error": f"training.batch_indices is not two lists of {MIN_BATCH}..{MAX_BATCH} integers"}
    initial = grading.path(info.get("initial_model_path")) if isinstance(info.get("initial_model_path"), str) else None
    batch = grading.path("first_batch.pt")
    if saved is None or initial is None or not initial.exists() or batch is None or not batch.is_file() \
            or name not in served:
        return {"error": "the initial model, first_batch.pt, the saved model or a served model.name is missing"}
    copies = grading.collect(initial) / initial.name, grading.collect(saved) / saved.name, grading.collect(batch) / batch.name
    ref, cifar = grading.asset_reference(served[name]), grading.asset_reference("cifar-10")
    loss = train.get("initial_loss") if grading.finite(train.get("initial_loss")) else None
    return grading.reference("check_steps.py", *map(str, copies), str(ref), str(cifar / "cifar-10-python.tar.gz"),
                             json.dumps(indices[0]), json.dumps(loss), read=[*(c.parent for c in copies), ref, cifar],
                             timeout=grading.threshold("load_timeout_s"))
