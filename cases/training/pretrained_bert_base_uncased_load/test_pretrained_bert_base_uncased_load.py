"""Validator for pretrained_bert_base_uncased_load: nothing of the agent's runs. The model and tokenizer folders
(named anywhere in model_info.json, else found in the workspace) are contained in the snapshot here (check 3);
model_info.json and the saved folders are collected as data, and a judge (hidden/check_bert.py) loads them offline and compares them with the served snapshot (checks 1-2, 4-5)."""
import json

ASSET = "hf-bert-base-uncased"


def values(obj, key) -> list:
    """Every string stored under `key` anywhere in a JSON tree."""
    if isinstance(obj, dict):
        return [v for k, v in obj.items() if k == key and isinstance(v, str)] + [x for v in obj.values() for x in values(v, key)]
    return [x for v in obj for x in values(v, key)] if isinstance(obj, list) else []


def folder(grading, info, key, markers):
    """The folder named under `key` (anywhere in model_info.json; a file stands for its folder; contained in the
    workspace), else the first workspace folder (up to 3 levels deep) holding one of `markers`."""
    named = [p if p.is_dir() else p.parent for p in map(grading.path, values(info, key)) if p is not None and p.exists()]
    if named or values(info, key):
        return named[0] if named else None
    found = sorted({grading.path(str(f.parent.relative_to(grading.snapshot))) for m in markers
                    for d in ("*/", "*/*/", "*/*/*/") for f in grading.snapshot.glob(d + m)} - {None})
    return found[0] if found else None


def test_pretrained_bert_base_uncased_load(grading):
    info = grading.read_json(grading.snapshot / "model_info.json")
    info = info if isinstance(info, dict) else {}
    model = folder(grading, info, "model_path", ("config.json", "*.safetensors", "*.bin", "*.pt", "*.pth"))
    tok = folder(grading, info, "tokenizer_path", ("vocab.txt", "tokenizer*.json")) or model
    problems = [] if model else [f"model_path {values(info, 'model_path')!r} is not a folder inside the workspace "
                                 "(and no model folder was found)"]
    problems += [f"tokenizer_path {values(info, 'tokenizer_path')!r} is not a folder inside the workspace"] if not tok else []

    copies = {p: grading.collect(p) / p.name for p in {model, tok} if p}  # bounded copies, read as data
    folders = [copies[p] if p else grading.collect() / "none" for p in (model, tok)]
    ref, info_copy = grading.asset_reference(ASSET), grading.collect(grading.snapshot / "model_info.json")
    data = grading.reference("check_bert.py", str(info_copy / "model_info.json"), *map(str, folders), str(ref),
                             str(grading.hidden_dir / "probes.txt"), json.dumps({"max_abs_diff": grading.threshold("max_abs_diff")}),
                             read=[info_copy, ref, *(f.parent for f in folders)], timeout=grading.threshold("load_timeout_s"))
    checks = data["checks"]
    for c in checks[:2]:
        grading.check(c["name"], c["ok"], c["detail"])
    grading.check_problems("3. the model and tokenizer folders are inside the workspace", problems[:6])
    for c in checks[2:]:
        grading.check(c["name"], c["ok"], c["detail"])
