"""Grader helper (task environment, sandboxed, offline, CPU): load the agent's saved BERT and tokenizer
and compare them with the reference snapshot.

Usage: python check_bert.py <model dir> <tokenizer dir> <reference dir> <probes file>
Prints one JSON line. Loading uses transformers' own safe paths (safetensors or weights_only torch.load,
no remote code).
"""
import json
import sys

import torch
from transformers import AutoConfig, AutoModel, AutoTokenizer, BertModel


def model_findings(model_dir, reference_dir):
    out = {"model_type": None, "loaded": False, "missing": [], "max_diff": None, "detail": ""}
    try:
        out["model_type"] = AutoConfig.from_pretrained(model_dir, local_files_only=True).model_type
        model, loading = AutoModel.from_pretrained(model_dir, output_loading_info=True, local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - a load failure is a finding
        out["detail"] = f"{type(exc).__name__}: {str(exc)[:400]}"
        return out
    out["loaded"] = True
    out["missing"] = sorted(k for k in loading.get("missing_keys", []) if not k.startswith("pooler."))
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
    out["max_diff"] = float("inf") if absent else worst
    out["detail"] = (f"{len(absent)} reference tensors absent or of another shape (e.g. {absent[:3]}); "
                     f"largest difference {worst:.3g} at {worst_key}; model class {type(model).__name__}; "
                     f"dtype {next(model.parameters()).dtype}")
    return out


def tokenizer_findings(tokenizer_dir, reference_dir, probes):
    out = {"loaded": False, "size": None, "reference_size": None, "mismatches": [], "detail": ""}
    reference = AutoTokenizer.from_pretrained(reference_dir, local_files_only=True)
    out["reference_size"] = len(reference)
    try:
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir, local_files_only=True)
    except Exception as exc:  # noqa: BLE001
        out["detail"] = f"{type(exc).__name__}: {str(exc)[:400]}"
        return out
    out["loaded"], out["size"] = True, len(tokenizer)
    for text in probes:
        if tokenizer(text)["input_ids"] != reference(text)["input_ids"]:
            out["mismatches"].append(text[:60])
    return out


def main(model_dir, tokenizer_dir, reference_dir, probes_file):
    probes = [line.strip() for line in open(probes_file, encoding="utf-8") if line.strip()]
    torch.set_num_threads(1)
    print(json.dumps({"model": model_findings(model_dir, reference_dir),
                      "tokenizer": tokenizer_findings(tokenizer_dir, reference_dir, probes)}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
