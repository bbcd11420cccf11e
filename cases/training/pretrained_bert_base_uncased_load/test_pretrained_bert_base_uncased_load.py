"""Validator for pretrained_bert_base_uncased_load: model_info.json checked against the served config, and
the saved model and tokenizer loaded offline in an isolated process and compared with the reference copy
of the served snapshot."""
import json
import os
from pathlib import Path

from pytest_mldevbench.errors import GradingError

ASSET = "hf-bert-base-uncased"
ARCH_KEYS = ("hidden_size", "num_attention_heads", "num_hidden_layers", "vocab_size")


def inside(trial, raw, base: Path | None = None) -> Path | None:
    """Map a path the agent wrote (relative to the workspace, or absolute under it) into the snapshot and
    resolve it; None when it is not a usable string or resolves outside the snapshot (symlinks included).
    `base` (a snapshot folder) is where relative paths start instead of the workspace root."""
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
        path = (base or snap) / path
    for _ in range(20):
        real = Path(os.path.realpath(path))
        if real == snap or real.is_relative_to(snap):
            return real
        rel = next((real.relative_to(r) for r in roots if real.is_relative_to(r)), None)
        if rel is None:
            return None
        path = snap / rel  # an absolute link into the original workspace: follow it in the snapshot
    return None


def values_of(obj, key) -> list:
    """Every value stored under `key` anywhere in a JSON tree."""
    found = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                found.append(v)
            found += values_of(v, key)
    elif isinstance(obj, list):
        for v in obj:
            found += values_of(v, key)
    return found


def listed_paths(info) -> list:
    files = info.get("files")
    if isinstance(files, dict):
        files = list(files.values())
    out = []
    for item in files if isinstance(files, list) else ([] if files is None else [files]):
        out += item if isinstance(item, list) else [item]
    if "tokenizer_path" in info:
        out.append(info["tokenizer_path"])
    return out


def run_checker(trial, model_rel: str, tok_rel: str) -> dict:
    reference = trial.asset_reference(ASSET)
    res = trial.run_script(
        ["python", str(trial.hidden_dir / "check_bert.py"), model_rel, tok_rel, str(reference),
         str(trial.hidden_dir / "probes.txt")],
        timeout=trial.threshold("load_timeout_s"), extra_ro=[trial.hidden_dir, reference],
        env={"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9/offline"})
    lines = res.stdout.strip().splitlines()
    try:
        data = json.loads(lines[-1]) if lines else None
    except ValueError:
        data = None
    if res.returncode != 0 or not isinstance(data, dict):
        raise GradingError(f"check_bert.py failed (exit {res.returncode}): {res.stderr[-800:]}")
    return data


def test_pretrained_bert_base_uncased_load(trial):
    served = json.loads((trial.asset_reference(ASSET) / "config.json").read_text())
    snap_real = Path(os.path.realpath(trial.snapshot))
    try:
        info = json.loads((trial.snapshot / "model_info.json").read_text(encoding="utf-8"))
        err = "" if isinstance(info, dict) else "model_info.json is not an object"
    except (OSError, ValueError) as exc:
        info, err = None, f"model_info.json unreadable: {exc}"
    info = info if isinstance(info, dict) else {}

    # 1. model name
    trial.check("1. model_info.json parses and model_name names bert-base-uncased",
                not err and "bert-base-uncased" in str(info.get("model_name", "")).lower(),
                err or f"model_name {info.get('model_name')!r}")

    # 2. architecture numbers equal the served config
    problems = []
    for key in ARCH_KEYS:
        vals = values_of(info, key)
        if not vals or any(not isinstance(v, int) or isinstance(v, bool) or v != served[key] for v in vals):
            problems.append(f"{key}: {vals or 'missing'} (served config: {served[key]})")
    trial.check("2. hidden_size, num_attention_heads, num_hidden_layers, vocab_size equal the served config",
                not problems, "; ".join(problems))

    # 3. model_path is a folder inside the workspace and every listed path exists
    model_dir = inside(trial, info.get("model_path"))
    problems = [] if model_dir is not None and model_dir.is_dir() else \
        [f"model_path {info.get('model_path')!r} is not a folder inside the workspace"]
    for raw in listed_paths(info):
        hits = [p for p in (inside(trial, raw), inside(trial, raw, model_dir) if model_dir else None)
                if p is not None and p.exists()]
        if not hits:
            problems.append(f"listed path {raw!r} does not exist inside the workspace")
    tok_dir = inside(trial, info.get("tokenizer_path")) if "tokenizer_path" in info else model_dir
    if tok_dir is None or not tok_dir.is_dir():
        problems.append(f"tokenizer_path {info.get('tokenizer_path')!r} is not a folder inside the workspace")
        tok_dir = None
    dirs_ok = model_dir is not None and model_dir.is_dir()
    trial.check("3. model_path is a folder inside the workspace and every listed path exists", not problems,
                "; ".join(problems[:6]))

    # 4./5. isolated offline load and comparison with the reference snapshot
    if dirs_ok or tok_dir is not None:
        none = "/nonexistent-mldb"
        result = run_checker(trial, str(model_dir.relative_to(snap_real)) if dirs_ok else none,
                             str(tok_dir.relative_to(snap_real)) if tok_dir is not None else none)
    else:
        result = None
    m = (result or {}).get("model") or {}
    ok = (dirs_ok and m.get("loaded") and m.get("model_type") == "bert" and not m.get("missing")
          and m.get("max_diff") is not None and m["max_diff"] <= trial.threshold("max_abs_diff"))
    trial.check("4. the saved model loads offline as BERT and equals the served weights (pooler aside)", ok,
                "skipped: no model folder" if not dirs_ok else
                f"model_type {m.get('model_type')!r}; missing keys {m.get('missing', [])[:5]}; "
                f"max abs diff {m.get('max_diff')}; {m.get('detail', '')}")
    t = (result or {}).get("tokenizer") or {}
    ok = (tok_dir is not None and t.get("loaded") and t.get("size") == t.get("reference_size")
          and not t.get("mismatches"))
    trial.check("5. the saved tokenizer loads and encodes the probe sentences exactly like the served one", ok,
                "skipped: no tokenizer folder" if tok_dir is None else
                f"size {t.get('size')} (reference {t.get('reference_size')}); mismatching probes "
                f"{t.get('mismatches')}; {t.get('detail', '')}")
