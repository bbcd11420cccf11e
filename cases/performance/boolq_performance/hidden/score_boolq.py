"""Judge (trusted, `grading.reference`) of boolq_performance: best_checkpoint/ scored on the hidden BoolQ split.

usage: score_boolq.py <checkpoint copy> <reference model dir> <source BoolQ.zip> <max_length> <param_ratio>
The checkpoint (a bounded copy of the agent's folder) is read as data: config.json must be TinyBERT 4L-312D with
2 labels; the weights load as a plain BERT sequence classifier (no remote code; safetensors, or a .bin read with
weights_only=True). The hidden split is the source archive's val.jsonl (the grader's asset; the agent got only
train rows); pairs are tokenised with the reference tokenizer (truncation, dynamic padding), batch 64, fp32,
argmax, and compared with the labels here. Prints {"checks": [...], "accuracy": float | null,
"majority": the majority class's accuracy in percent}.
"""
import json
import sys
import zipfile
from pathlib import Path

import torch
from mldb_judge import Checks
from transformers import AutoModelForSequenceClassification, AutoTokenizer

BATCH_SIZE = 64
LOCKED_ARCH = {"model_type": "bert", "hidden_size": 312, "num_hidden_layers": 4, "num_attention_heads": 12,
               "intermediate_size": 1200}


def config_problems(ckpt, reference):
    try:
        cfg = json.loads((ckpt / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ["no readable config.json"]
    cfg = cfg if isinstance(cfg, dict) else {}
    expected = dict(LOCKED_ARCH, vocab_size=json.loads((reference / "config.json").read_text())["vocab_size"])
    # transformers writes id2label only for non-default labels; without it the config means 2 labels
    labels = len(cfg["id2label"]) if isinstance(cfg.get("id2label"), dict) else cfg.get("num_labels", 2)
    return ([f"{k}={cfg.get(k)!r} (expected {v!r})" for k, v in expected.items() if cfg.get(k) != v]
            + [f"num_labels={labels!r} (expected 2)"] * (labels != 2))


def main(checkpoint, reference, source, max_length, param_ratio):
    torch.set_num_threads(2)
    torch.set_grad_enabled(False)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    ckpt, reference, checks, accuracy, majority = Path(checkpoint), Path(reference), Checks(), None, None
    problems = config_problems(ckpt, reference)
    config_ok = checks.record("config is TinyBERT 4L-312D with 2 labels", not problems, "; ".join(problems))
    model = None
    with checks.check("best_checkpoint loads as BertForSequenceClassification without stray keys"):
        assert config_ok, "skipped: the config is not TinyBERT-shaped"
        if not (ckpt / "model.safetensors").is_file():
            torch.load(ckpt / "pytorch_model.bin", map_location="cpu", weights_only=True)  # refuses pickled objects
        model, info = AutoModelForSequenceClassification.from_pretrained(
            str(ckpt), trust_remote_code=False, output_loading_info=True, dtype=torch.float32)
        stray = {"missing": [k for k in info.get("missing_keys", []) if not k.startswith("classifier.")],
                 "unexpected": list(info.get("unexpected_keys", [])), "mismatched": list(info.get("mismatched_keys", []))}
        ok = (not any(stray.values()) and type(model).__name__ == "BertForSequenceClassification"
              and model.config.num_labels == 2)
        assert ok, f"{type(model).__name__}, num_labels {model.config.num_labels}, {str(stray)[:600]}"
    with checks.check("parameter count within 1 % of the served TinyBERT"):
        assert model is not None, "skipped: the checkpoint did not load"
        ref = AutoModelForSequenceClassification.from_pretrained(str(reference), num_labels=2, dtype=torch.float32)
        params = sum(p.numel() for p in model.parameters())
        cap = float(param_ratio) * sum(p.numel() for p in ref.parameters())
        assert params <= cap, f"{params} > {cap:.0f}"
    if model is not None and checks.results[-1]["ok"]:
        with zipfile.ZipFile(source) as archive:
            rows = [json.loads(x) for x in archive.read("BoolQ/val.jsonl").decode("utf-8").splitlines() if x.strip()]
        assert rows, "the hidden evaluation split is empty"
        tokenizer, model, correct = AutoTokenizer.from_pretrained(str(reference)), model.to(device).eval(), 0
        for start in range(0, len(rows), BATCH_SIZE):
            part = rows[start:start + BATCH_SIZE]
            enc = tokenizer([r["question"] for r in part], [r["passage"] for r in part], truncation=True,
                            padding=True, max_length=int(max_length), return_tensors="pt").to(device)
            pred = model(**enc).logits.float().argmax(-1).tolist()
            correct += sum(int(p == int(bool(r["label"]))) for p, r in zip(pred, part))
        accuracy = 100.0 * correct / len(rows)
        yes = sum(bool(r["label"]) for r in rows)
        majority = round(100.0 * max(yes, len(rows) - yes) / len(rows), 2)  # the trivial baseline, for the note
    print(json.dumps({"checks": checks.results, "accuracy": accuracy, "majority": majority}))


if __name__ == "__main__":
    main(*sys.argv[1:6])
