"""Oracle for boolq_performance: fine-tune TinyBERT on BoolQ with warm-up + linear decay, keep the best epoch.

Full: AdamW 5e-5, batch 32, 500 warm-up steps, max_length 256, 10 epochs. Smoke (the tiny stand-in model and
vocabulary, randomly initialised): AdamW 1e-3, batch 16, 10 % warm-up, max_length 128, 40 steps (2/3 of an
epoch; the stand-in learns the task in ~20 steps, and every step costs about a second on 2 CPU cores).
"""
import json
import os
import shutil
import time

import torch
import wandb
from torch.utils.data import DataLoader
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

from utils import load_boolq_datasets

MODEL_ID = "huawei-noah/TinyBERT_General_4L_312D"
PROJECT = "boolq-tinybert-training"
SMOKE = os.environ.get("MLDB_PROFILE") == "smoke"
CFG = (dict(lr=1e-3, batch_size=16, warmup=0.1, max_length=128, epochs=1, max_steps=40) if SMOKE else
       dict(lr=5e-5, batch_size=32, warmup=500, max_length=256, epochs=10, max_steps=None))


def trim(batch, device):
    """Drop the all-padding tail of a max_length-padded batch (same result, less compute)."""
    n = int(batch["attention_mask"].sum(1).max())
    return {k: (v[:, :n] if v.dim() == 2 else v).to(device) for k, v in batch.items()}


def evaluate(model, loader, device):
    model.eval()
    total_loss, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for batch in loader:
            batch = trim(batch, device)
            out = model(**batch)
            total_loss += out.loss.item() * len(batch["labels"])
            correct += (out.logits.argmax(-1) == batch["labels"]).sum().item()
            n += len(batch["labels"])
    return total_loss / n, 100.0 * correct / n


def main():
    torch.manual_seed(0)
    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "2"))))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
    model = AutoModelForSequenceClassification.from_pretrained(MODEL_ID, num_labels=2).to(device)
    data = load_boolq_datasets(["train", "validation"], tokenizer, max_length=CFG["max_length"])
    train = DataLoader(data["train"], batch_size=CFG["batch_size"], shuffle=True)
    val = DataLoader(data["validation"], batch_size=64)
    steps = CFG["epochs"] * len(train)
    if CFG["max_steps"]:
        steps = min(steps, CFG["max_steps"])
    warmup = int(CFG["warmup"] * steps) if CFG["warmup"] < 1 else int(CFG["warmup"])
    opt = torch.optim.AdamW(model.parameters(), lr=CFG["lr"], weight_decay=0.01)
    sched = get_linear_schedule_with_warmup(opt, warmup, steps)
    run = wandb.init(project=PROJECT, name=f"tinybert-boolq-{time.strftime('%Y%m%d-%H%M%S')}", config=CFG)
    best = -1.0
    for epoch in range(1, CFG["epochs"] + 1):
        model.train()
        for step, batch in enumerate(train, start=(epoch - 1) * len(train)):
            if step >= steps:
                break
            loss = model(**trim(batch, device)).loss
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            wandb.log({"train_loss": loss.item(), "lr": sched.get_last_lr()[0]})
        val_loss, val_acc = evaluate(model, val, device)
        wandb.log({"val_loss": val_loss, "val_accuracy": val_acc, "epoch": epoch})
        print(f"epoch {epoch}: val loss {val_loss:.4f}, val accuracy {val_acc:.2f}%", flush=True)
        target = f"checkpoints/epoch_{epoch}"
        model.save_pretrained(target)
        tokenizer.save_pretrained(target)
        if val_acc > best:
            best = val_acc
            shutil.rmtree("best_checkpoint", ignore_errors=True)
            shutil.copytree(target, "best_checkpoint")
    run.summary["best_val_accuracy"] = best
    with open("wandb_info.json", "w") as f:
        json.dump({"project_id": PROJECT, "run_id": run.id}, f)
    run.finish()


if __name__ == "__main__":
    main()
