"""Reference evaluation for bert_eval_debug: per-example correctness of the checkpoint on BoolQ val sets.

usage: reference_eval.py <checkpoint dir> <tokenizer id or dir> <BoolQ zip> [<BoolQ zip> ...]
All three model inputs (input_ids, token_type_ids, attention_mask), max_length 256, batch 32, fp32, CPU.
Prints one JSON line: {"<zip path>": {"correct": [0/1 per example], "margins": [|logit difference| per example]}}.
"""
import io
import json
import sys
import zipfile

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

MAX_LENGTH, BATCH_SIZE = 256, 32


def validation_examples(path):
    with zipfile.ZipFile(path) as archive, archive.open("BoolQ/val.jsonl") as f:
        return [json.loads(line) for line in io.TextIOWrapper(f, encoding="utf-8") if line.strip()]


def score(model, tokenizer, examples):
    correct, margins = [], []
    with torch.no_grad():
        for start in range(0, len(examples), BATCH_SIZE):
            part = examples[start:start + BATCH_SIZE]
            enc = tokenizer([e["question"] for e in part], [e["passage"] for e in part], truncation=True,
                            padding="max_length", max_length=MAX_LENGTH, return_tensors="pt")
            logits = model(input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"],
                           attention_mask=enc["attention_mask"]).logits.float()
            labels = torch.tensor([int(e["label"]) for e in part])
            correct += (logits.argmax(dim=-1) == labels).int().tolist()
            margins += (logits[:, 1] - logits[:, 0]).abs().tolist()
    return {"correct": correct, "margins": margins}


def main(checkpoint, tokenizer_source, *zips):
    torch.set_grad_enabled(False)
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_source)
    model = AutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=2,
                                                               dtype=torch.float32).eval()
    print(json.dumps({path: score(model, tokenizer, validation_examples(path)) for path in zips}))


if __name__ == "__main__":
    main(*sys.argv[1:])
