"""Oracle for boolq_performance: fine-tune TinyBERT on BoolQ with warm-up + linear decay, keep the best checkpoint.

Full: AdamW 5e-5, batch 32, 500 warm-up steps, max_length 256, 10 epochs, the local validation split scored
after each epoch. Smoke (the stand-in model, randomly initialised, over the generator's 75-token vocabulary):
AdamW 5e-4, batch 16, a linear schedule over at most 150 steps (~2.4 epochs) with 10 % warm-up, max_length 128;
the local validation split is scored every 10 steps and training stops once it reaches 99 %. The stand-in stays
at the majority class for a while and then learns the task abruptly (measured on generator seeds 1/2/3/5: within
40-50 steps at this rate); a fixed 40-step budget with the schedule ending there did not get there on every seed.
"""
import time

T0 = time.perf_counter()
import json  # noqa: E402  (the imports are timed: T0 first)
import os  # noqa: E402
import shutil  # noqa: E402

import torch  # noqa: E402
import wandb  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup  # noqa: E402

from utils import load_boolq_datasets  # noqa: E402


def tick(what):
    """Where the time goes (printed to the agent log)."""
    print(f"[{time.perf_counter() - T0:6.1f} s] {what}", flush=True)


MODEL_ID = "huawei-noah/TinyBERT_General_4L_312D"
PROJECT = "boolq-tinybert-training"
SMOKE = os.environ.get("MLDB_PROFILE") == "smoke"
# smoke: the schedule spans max_steps; the local validation split is scored every eval_every steps and training
# stops once it reaches stop_at (full: scored once per epoch, no early stop)
CFG = (dict(lr=5e-4, batch_size=16, warmup=0.1, max_length=128, epochs=3, max_steps=150, eval_every=10, stop_at=99.0)
       if SMOKE else
       dict(lr=5e-5, batch_size=32, warmup=500, max_length=256, epochs=10, max_steps=None, eval_every=None,
            stop_at=None))


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
    tick("imports")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
    model = AutoModelForSequenceClassification.from_pretrained(MODEL_ID, num_labels=2).to(device)
    tick("model and tokenizer loaded")
    data = load_boolq_datasets(["train", "validation"], tokenizer, max_length=CFG["max_length"])
    train = DataLoader(data["train"], batch_size=CFG["batch_size"], shuffle=True)
    val = DataLoader(data["validation"], batch_size=64)
    steps = CFG["epochs"] * len(train)
    if CFG["max_steps"]:
        steps = min(steps, CFG["max_steps"])
    warmup = int(CFG["warmup"] * steps) if CFG["warmup"] < 1 else int(CFG["warmup"])
    opt = torch.optim.AdamW(model.parameters(), lr=CFG["lr"], weight_decay=0.01)
    sched = get_linear_schedule_with_warmup(opt, warmup, steps)
    tick("data tokenised")
    run = wandb.init(project=PROJECT, name=f"tinybert-boolq-{time.strftime('%Y%m%d-%H%M%S')}", config=CFG)
    tick("wandb.init")
    best, done, step = -1.0, False, 0

    def validate(tag):
        """Score the local validation split, log it, keep the checkpoint; True once stop_at is reached."""
        nonlocal best
        val_loss, val_acc = evaluate(model, val, device)
        wandb.log({"val_loss": val_loss, "val_accuracy": val_acc, "epoch": epoch, "global_step": step})
        tick(f"{tag} (step {step}): val loss {val_loss:.4f}, val accuracy {val_acc:.2f}%")
        target = f"checkpoints/{tag}"
        model.save_pretrained(target)
        tokenizer.save_pretrained(target)
        if val_acc > best:
            best = val_acc
            shutil.rmtree("best_checkpoint", ignore_errors=True)
            shutil.copytree(target, "best_checkpoint")
        model.train()
        return CFG["stop_at"] is not None and val_acc >= CFG["stop_at"]

    for epoch in range(1, CFG["epochs"] + 1):
        model.train()
        for batch in train:
            if step >= steps:
                break
            loss = model(**trim(batch, device)).loss
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            wandb.log({"train_loss": loss.item(), "lr": sched.get_last_lr()[0]})
            if CFG["eval_every"] and step % CFG["eval_every"] == 0:
                done = validate(f"step_{step}")
                if done:
                    break
        if done or step >= steps:
            if not CFG["eval_every"] or step % CFG["eval_every"]:
                validate(f"epoch_{epoch}")
            break
        if not CFG["eval_every"]:
            validate(f"epoch_{epoch}")
    tick(f"trained {step} steps, best local val accuracy {best:.2f}%")
    run.summary["best_val_accuracy"] = best
    with open("wandb_info.json", "w") as f:
        json.dump({"project_id": PROJECT, "run_id": run.id}, f)
    run.finish()
    tick("wandb finish")


if __name__ == "__main__":
    main()
