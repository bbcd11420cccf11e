"""Evaluate the fine-tuned TinyBERT checkpoint in ./best_checkpoint on the BoolQ validation split.

Writes eval_metrics.json: {"final_val_accuracy": <accuracy in percent>}.
"""
import json

import torch
from torch.utils.data import DataLoader
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

from utils import load_boolq_datasets

CHECKPOINT_DIR = "./best_checkpoint"
TOKENIZER_ID = "huawei-noah/TinyBERT_General_4L_312D"
BATCH_SIZE = 32


def load_model(device):
    config = AutoConfig.from_pretrained(CHECKPOINT_DIR, num_labels=2)
    assert config.model_type == "bert", f"expected a BERT checkpoint, got {config.model_type}"
    assert config.hidden_size == 312, f"expected TinyBERT (hidden size 312), got {config.hidden_size}"
    model = AutoModelForSequenceClassification.from_pretrained(CHECKPOINT_DIR, config=config)
    return model.to(device).eval()


def evaluate(model, loader, device):
    """Accuracy in percent of the model's argmax predictions."""
    correct, total = 0, 0
    with torch.no_grad():
        for batch in loader:
            input_ids = batch["input_ids"].to(device)
            attention_mask = batch["attention_mask"].to(device)
            labels = batch["labels"].to(device)
            logits = model(input_ids=input_ids, attention_mask=attention_mask).logits
            correct += (logits.argmax(dim=-1) == labels).sum().item()
            total += labels.size(0)
    return 100.0 * correct / total


def main():
    device = torch.device("cpu")
    tokenizer = AutoTokenizer.from_pretrained(TOKENIZER_ID)
    val_data = load_boolq_datasets(["validation"], tokenizer)
    loader = DataLoader(val_data, batch_size=BATCH_SIZE, shuffle=False)
    model = load_model(device)

    accuracy = evaluate(model, loader, device)
    print(f"Validation accuracy: {accuracy:.2f}% on {len(val_data)} examples")
    with open("eval_metrics.json", "w") as f:
        json.dump({"final_val_accuracy": accuracy}, f, indent=2)


if __name__ == "__main__":
    main()
