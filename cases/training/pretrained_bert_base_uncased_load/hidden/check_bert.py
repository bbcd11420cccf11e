"""Judge (trusted: nothing of the agent's is imported): model_info.json, the saved BERT and its tokenizer,
collected as data, compared with the served snapshot; loaded offline through fixed classes (BertModel,
BertTokenizer; a from_pretrained folder or a state dict, safetensors or weights_only torch.load, no remote code).

Usage: check_bert.py <model_info.json> <model dir> <tokenizer dir> <reference dir> <probes file> <limits json>
Prints {"checks": [...]}: 1-2 (model_info.json), then 4-5 (model, tokenizer); check 3 is the harness's.
"""
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file
from transformers import AutoConfig, BertModel, BertTokenizer

ARCH_KEYS = ("hidden_size", "num_attention_heads", "num_hidden_layers", "vocab_size")


def values_of(obj, key) -> list:
    """Every value stored under `key` anywhere in a JSON tree."""
    if isinstance(obj, dict):
        return [v for k, v in obj.items() if k == key] + [x for v in obj.values() for x in values_of(v, key)]
    return [x for v in obj for x in values_of(v, key)] if isinstance(obj, list) else []


def strings(obj) -> list:
    """Every string anywhere in a JSON tree (keys and values)."""
    if isinstance(obj, dict):
        return list(obj) + [x for v in obj.values() for x in strings(v)]
    return [x for v in obj for x in strings(v)] if isinstance(obj, list) else [obj] if isinstance(obj, str) else []


def info_checks(info, served):
    problems = []
    for key in ARCH_KEYS:
        vals = values_of(info, key)
        if not vals or any(type(v) is not int or v != served[key] for v in vals):
            problems.append(f"{key}: {vals or 'missing'} (served config: {served[key]})")
    named = any("bert-base-uncased" in s.lower() for s in strings(info))
    return [{"name": "1. model_info.json parses and names bert-base-uncased", "ok": named,
             "detail": "model_info.json missing or not an object" if not isinstance(info, dict)
             else "no string in model_info.json names bert-base-uncased"},
            {"name": "2. hidden_size, num_attention_heads, num_hidden_layers, vocab_size equal the served config",
             "ok": not problems, "detail": "; ".join(problems)}]


def state_dict_model(model_dir, reference_dir):
    """A BertModel of the served config holding a state-dict file of the folder (safetensors or weights_only
    torch.load; a `bert.` prefix of a task head is stripped), and the loading report."""
    files = sorted(p for p in Path(model_dir).rglob("*") if p.is_file() and p.suffix in (".safetensors", ".bin", ".pt", ".pth"))
    if not files:
        raise FileNotFoundError("no from_pretrained folder and no .safetensors/.bin/.pt/.pth state dict")
    path = files[0]
    state = load_file(str(path)) if path.suffix == ".safetensors" else torch.load(path, map_location="cpu", weights_only=True)
    state = state.get("state_dict", state.get("model_state_dict", state)) if isinstance(state, dict) else state
    if not isinstance(state, dict):
        raise TypeError(f"{path.name} holds no state dict")
    state = {k[len("bert."):] if k.startswith("bert.") else k: v for k, v in state.items()}
    model = BertModel(AutoConfig.from_pretrained(reference_dir, local_files_only=True))
    result = model.load_state_dict(state, strict=False)
    return model, {"missing_keys": result.missing_keys}


def model_check(model_dir, reference_dir, max_abs_diff):
    name = "4. the saved model loads offline as BERT and equals the served weights (pooler aside)"
    try:  # a save_pretrained folder, else a state dict saved in it
        model_type = AutoConfig.from_pretrained(model_dir, local_files_only=True).model_type
        model, loading = BertModel.from_pretrained(model_dir, output_loading_info=True, local_files_only=True)
    except Exception as first:  # noqa: BLE001 - a load failure is a finding
        try:
            (model, loading), model_type = state_dict_model(model_dir, reference_dir), "bert"
        except Exception as exc:  # noqa: BLE001
            return {"name": name, "ok": False, "detail": f"{type(first).__name__}: {str(first)[:300]}; as a state dict: "
                    f"{type(exc).__name__}: {str(exc)[:300]}"}
    reference = BertModel.from_pretrained(reference_dir, local_files_only=True).state_dict()
    loaded = model.state_dict()
    worst, worst_key, absent = 0.0, None, []
    for key, ref in reference.items():
        if key.startswith("pooler."):
            continue
        got = loaded.get(key)
        if got is None or got.shape != ref.shape:
            absent.append(key)
            continue
        diff = float((got.detach().double() - ref.double()).abs().max()) if ref.numel() else 0.0
        if diff > worst or worst_key is None:
            worst, worst_key = diff, key
    missing = sorted(k for k in loading.get("missing_keys", []) if not k.startswith("pooler."))
    dtype = next(model.parameters()).dtype
    ok = model_type == "bert" and not missing and not absent and worst <= max_abs_diff
    return {"name": name, "ok": ok, "detail": f"model_type {model_type!r}; missing keys {missing[:5]}; "
            f"{len(absent)} reference tensors absent or "
            f"of another shape (e.g. {absent[:3]}); largest difference {worst:.3g} at {worst_key}; dtype {dtype}"}


def tokenizer_check(tokenizer_dir, reference_dir, probes):
    name = "5. the saved tokenizer loads and encodes the probe sentences exactly like the served one"
    reference = BertTokenizer.from_pretrained(reference_dir, local_files_only=True)
    try:
        tokenizer = BertTokenizer.from_pretrained(tokenizer_dir, local_files_only=True)
        bad = [t[:60] for t in probes if tokenizer(t)["input_ids"] != reference(t)["input_ids"]]
    except Exception as exc:  # noqa: BLE001 - a tokenizer that does not load or encode is a finding
        return {"name": name, "ok": False, "detail": f"{type(exc).__name__}: {str(exc)[:400]}"}
    return {"name": name, "ok": len(tokenizer) == len(reference) and not bad,
            "detail": f"size {len(tokenizer)} (reference {len(reference)}); mismatching probes {bad}"}


def main(info_file, model_dir, tokenizer_dir, reference_dir, probes_file, limits):
    torch.set_num_threads(1)
    try:
        info = json.loads(Path(info_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = None
    served = json.loads((Path(reference_dir) / "config.json").read_text())
    probes = [line.strip() for line in open(probes_file, encoding="utf-8") if line.strip()]
    checks = info_checks(info, served)
    checks.append(model_check(model_dir, reference_dir, json.loads(limits)["max_abs_diff"]))
    checks.append(tokenizer_check(tokenizer_dir, reference_dir, probes))
    print(json.dumps({"checks": checks}))


if __name__ == "__main__":
    main(*sys.argv[1:7])
