"""Local check (locked): accuracy of ./best_checkpoint on the local validation split, on the CPU.

Writes eval_metrics.json as {"final_val_acc": <percent>}. This is a convenience only: the grade comes from
a hidden evaluation set scored by the grader.
"""
import json
import sys

import torch
from torch.utils.data import DataLoader
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from utils import load_boolq_datasets


def main(checkpoint="best_checkpoint", max_length=256):
    torch.set_num_threads(2)
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    model = AutoModelForSequenceClassification.from_pretrained(checkpoint).eval()
    data = load_boolq_datasets(["validation"], tokenizer, max_length=max_length)["validation"]
    correct = 0
    with torch.no_grad():
        for batch in DataLoader(data, batch_size=64):
            labels = batch.pop("labels")
            correct += (model(**batch).logits.argmax(-1) == labels).sum().item()
    acc = 100.0 * correct / len(data)
    with open("eval_metrics.json", "w") as f:
        json.dump({"final_val_acc": acc}, f)
    print(f"local validation accuracy: {acc:.2f}% ({correct}/{len(data)})")


if __name__ == "__main__":
    main(*sys.argv[1:2])
