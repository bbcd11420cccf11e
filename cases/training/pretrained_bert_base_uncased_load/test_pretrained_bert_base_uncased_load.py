"""Validator for pretrained_bert_base_uncased_load: nothing of the agent's runs. The paths in model_info.json are
contained in the snapshot here (check 3); model_info.json and the saved folders are collected as data, and a
judge (hidden/check_bert.py) loads them offline and compares them with the served snapshot (checks 1-2, 4-5)."""
import json

ASSET = "hf-bert-base-uncased"


def listed(info) -> list:
    """The paths `files` (a list, or an object whose values are paths or lists) and `tokenizer_path` name."""
    files = info.get("files")
    files = list(files.values()) if isinstance(files, dict) else files if isinstance(files, list) else [files]
    paths = [p for item in files if item is not None for p in (item if isinstance(item, list) else [item])]
    return paths + ([info["tokenizer_path"]] if "tokenizer_path" in info else [])


def test_pretrained_bert_base_uncased_load(grading):
    info = grading.read_json(grading.snapshot / "model_info.json")
    info = info if isinstance(info, dict) else {}
    model = grading.path(info.get("model_path"))
    model = model if model is not None and model.is_dir() else None
    tok = grading.path(info["tokenizer_path"]) if "tokenizer_path" in info else model
    tok = tok if tok is not None and tok.is_dir() else None
    problems = [] if model else [f"model_path {info.get('model_path')!r} is not a folder inside the workspace"]
    problems += [f"tokenizer_path {info.get('tokenizer_path')!r} is not a folder inside the workspace"] if not tok else []
    problems += [f"listed path {raw!r} does not exist inside the workspace" for raw in listed(info)
                 if not any(p is not None and p.exists() for p in (grading.path(raw), model and grading.path(raw, base=model)))]

    copies = {p: grading.collect(p) / p.name for p in {model, tok} if p}  # bounded copies, read as data
    folders = [copies[p] if p else grading.collect() / "none" for p in (model, tok)]
    ref, info_copy = grading.asset_reference(ASSET), grading.collect(grading.snapshot / "model_info.json")
    data = grading.reference("check_bert.py", str(info_copy / "model_info.json"), *map(str, folders), str(ref),
                             str(grading.hidden_dir / "probes.txt"), json.dumps({"max_abs_diff": grading.threshold("max_abs_diff")}),
                             read=[info_copy, ref, *(f.parent for f in folders)], timeout=grading.threshold("load_timeout_s"))
    checks = data["checks"]
    for c in checks[:2]:
        grading.check(c["name"], c["ok"], c["detail"])
    grading.check_problems("3. model_path is a folder inside the workspace and every listed path exists", problems[:6])
    for c in checks[2:]:
        grading.check(c["name"], c["ok"], c["detail"])
