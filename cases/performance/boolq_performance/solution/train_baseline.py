"""Baseline: fine-tune TinyBERT on BoolQ and save ./best_checkpoint (plus checkpoints/ and a W&B run).

It runs, but its recipe is weak: the pairs are cut to a few tokens (most passages lose the sentence that
answers the question), the learning rate is small with no warm-up, and it trains for one epoch.
"""
import json
import os
import time

import torch
import wandb
from torch.utils.data import DataLoader
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from utils import load_boolq_datasets

MODEL_ID = "huawei-noah/TinyBERT_General_4L_312D"
MAX_LENGTH = 16 if os.environ.get("MLDB_PROFILE") == "smoke" else 64
LR, EPOCHS, BATCH_SIZE = 2e-5, 1, 16


def main():
    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
    model = AutoModelForSequenceClassification.from_pretrained(MODEL_ID, num_labels=2).to(device)
    data = load_boolq_datasets(["train", "validation"], tokenizer, max_length=MAX_LENGTH)
    train = DataLoader(data["train"], batch_size=BATCH_SIZE, shuffle=True)
    val = DataLoader(data["validation"], batch_size=64)
    run = wandb.init(project="boolq-tinybert-training", name=f"baseline-{time.strftime('%Y%m%d-%H%M%S')}",
                     config={"lr": LR, "epochs": EPOCHS, "max_length": MAX_LENGTH})
    opt = torch.optim.AdamW(model.parameters(), lr=LR)
    for epoch in range(1, EPOCHS + 1):
        model.train()
        for batch in train:
            batch = {k: v.to(device) for k, v in batch.items()}
            loss = model(**batch).loss
            opt.zero_grad()
            loss.backward()
            opt.step()
            wandb.log({"train_loss": loss.item()})
        model.eval()
        total_loss, correct = 0.0, 0
        with torch.no_grad():
            for batch in val:
                batch = {k: v.to(device) for k, v in batch.items()}
                out = model(**batch)
                total_loss += out.loss.item() * len(batch["labels"])
                correct += (out.logits.argmax(-1) == batch["labels"]).sum().item()
        n = len(data["validation"])
        wandb.log({"val_loss": total_loss / n, "val_accuracy": 100.0 * correct / n, "epoch": epoch})
        model.save_pretrained(f"checkpoints/epoch_{epoch}")
        tokenizer.save_pretrained(f"checkpoints/epoch_{epoch}")
    model.save_pretrained("best_checkpoint")
    tokenizer.save_pretrained("best_checkpoint")
    with open("wandb_info.json", "w") as f:
        json.dump({"project_id": "boolq-tinybert-training", "run_id": run.id}, f)
    run.finish()


if __name__ == "__main__":
    main()
