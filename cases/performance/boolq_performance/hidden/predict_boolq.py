"""Prediction step of boolq_performance (hidden; runs in the grading sandbox, never sees labels).

usage: predict_boolq.py <checkpoint dir> <reference model dir> <inputs.jsonl> <max_length>
The checkpoint is loaded as a plain BERT sequence classifier (no remote code; safetensors, or a .bin read with
weights_only=True). Inputs are {id, question, passage} rows; pairs are tokenised with the reference tokenizer
(truncation, dynamic padding), batch 64, fp32, argmax. Prints one JSON line: ids, predictions, parameter
counts and the loading report.
"""
import json
import sys
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

BATCH_SIZE = 64


def main(checkpoint, reference, inputs, max_length):
    torch.set_num_threads(2)
    torch.set_grad_enabled(False)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    ckpt = Path(checkpoint)
    if not (ckpt / "model.safetensors").is_file():
        torch.load(ckpt / "pytorch_model.bin", map_location="cpu", weights_only=True)  # refuses pickled objects
    model, info = AutoModelForSequenceClassification.from_pretrained(
        str(ckpt), trust_remote_code=False, output_loading_info=True, dtype=torch.float32)
    ref = AutoModelForSequenceClassification.from_pretrained(reference, num_labels=2, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(reference)
    model = model.to(device).eval()
    rows = [json.loads(line) for line in Path(inputs).read_text(encoding="utf-8").splitlines() if line.strip()]
    preds = []
    for start in range(0, len(rows), BATCH_SIZE):
        part = rows[start:start + BATCH_SIZE]
        enc = tokenizer([r["question"] for r in part], [r["passage"] for r in part], truncation=True,
                        padding=True, max_length=int(max_length), return_tensors="pt").to(device)
        preds += model(**enc).logits.float().argmax(-1).tolist()
    print(json.dumps({
        "ids": [r["id"] for r in rows], "predictions": preds,
        "num_params": sum(p.numel() for p in model.parameters()),
        "reference_params": sum(p.numel() for p in ref.parameters()),
        "missing_keys": sorted(info.get("missing_keys", [])), "unexpected_keys": sorted(info.get("unexpected_keys", [])),
        "mismatched_keys": [str(k[0]) if isinstance(k, (list, tuple)) else str(k) for k in info.get("mismatched_keys", [])],
        "architecture": type(model).__name__, "num_labels": int(model.config.num_labels), "count": len(preds)}))


if __name__ == "__main__":
    main(*sys.argv[1:])
