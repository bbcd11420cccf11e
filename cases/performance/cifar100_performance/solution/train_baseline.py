"""Baseline for CIFAR-100: two conv layers and an MLP, SGD, logged to W&B (offline).

    python train_baseline.py [--epochs N] [--train_fraction 0.1] [--batch_size 64] [--lr 0.01]

Writes checkpoints/epoch_XX.pt, best_checkpoint/model.pt (best local-validation accuracy), wandb_info.json
and an offline W&B run in project `cifar100-classification` (train_loss, val_loss, val_accuracy, and a table
of sample predictions).
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Subset
from torchvision import transforms

from cifar100 import CIFAR100Dataset, compute_metrics
from evaluate import MEAN, STD, logits_of

PROJECT = "cifar100-classification"


class BaselineNet(nn.Module):
    def __init__(self, num_classes=100):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 8 * 8, 256)
        self.fc2 = nn.Linear(256, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return {"logits": self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))}


def train_transform():
    return transforms.Compose([transforms.RandomHorizontalFlip(), transforms.RandomCrop(32, padding=4),
                               transforms.Normalize(MEAN, STD)])


def make_loaders(batch_size, train_fraction=1.0, include_val=False, seed=0):
    train = CIFAR100Dataset("all" if include_val else "train", transform=train_transform())
    if train_fraction < 1.0:
        keep = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))[:int(len(train) * train_fraction)]
        train = Subset(train, keep.tolist())
    val = CIFAR100Dataset("val", transform=transforms.Normalize(MEAN, STD))
    return (DataLoader(train, batch_size=batch_size, shuffle=True),
            DataLoader(val, batch_size=200, shuffle=False))


def evaluate(model, loader, device):
    model.eval()
    preds, labels, loss, n = [], [], 0.0, 0
    with torch.no_grad():
        for batch in loader:
            logits = logits_of(model(batch["image"].to(device)))
            y = batch["labels"].to(device)
            loss += F.cross_entropy(logits, y, reduction="sum").item()
            n += len(y)
            preds.append(logits.argmax(1).cpu())
            labels.append(y.cpu())
    m = compute_metrics(torch.cat(preds), torch.cat(labels))
    return loss / n, m["correct"] / m["total"]


def fit(model, train_loader, val_loader, optimizer, epochs, scheduler=None, run_prefix="baseline",
        label_smoothing=0.0, log_every=5, checkpoint_extra=None):
    """Train, log to W&B, save checkpoints/epoch_XX.pt and best_checkpoint/model.pt; returns the best accuracy."""
    import wandb
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device)
    run = wandb.init(project=PROJECT, name=f"{run_prefix}-{time.strftime('%Y%m%d-%H%M%S')}",
                     config={"epochs": epochs, "optimizer": type(optimizer).__name__})
    with open("wandb_info.json", "w") as f:
        json.dump({"project_id": PROJECT, "run_id": run.id}, f)
    os.makedirs("checkpoints", exist_ok=True)
    os.makedirs("best_checkpoint", exist_ok=True)
    best, step = -1.0, 0
    for epoch in range(1, epochs + 1):
        model.train()
        for batch in train_loader:
            x, y = batch["image"].to(device), batch["labels"].to(device)
            loss = F.cross_entropy(logits_of(model(x)), y, label_smoothing=label_smoothing)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            step += 1
            if step % log_every == 0:
                wandb.log({"train_loss": loss.item(), "epoch": epoch}, step=step)
        val_loss, val_acc = evaluate(model, val_loader, device)
        wandb.log({"val_loss": val_loss, "val_accuracy": val_acc, "epoch": epoch}, step=step)
        print(f"epoch {epoch}: val loss {val_loss:.4f}, val accuracy {100 * val_acc:.2f}%", flush=True)
        state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        ckpt = {"model_state_dict": state, "epoch": epoch, "val_accuracy": val_acc, **(checkpoint_extra or {})}
        torch.save(ckpt, f"checkpoints/epoch_{epoch:02d}.pt")
        if val_acc > best:
            best = val_acc
            torch.save(ckpt, "best_checkpoint/model.pt")
    # sample predictions of the last model on the local validation set
    model.eval()
    batch = next(iter(val_loader))
    with torch.no_grad():
        pred = logits_of(model(batch["image"][:16].to(device))).argmax(1).cpu()
    table = wandb.Table(columns=["index", "label", "prediction"],
                        data=[[i, int(batch["labels"][i]), int(pred[i])] for i in range(len(pred))])
    wandb.log({"sample_predictions": table}, step=step)
    run.summary["best_val_accuracy"] = best
    run.finish()
    return best


def main():
    smoke = os.environ.get("MLDB_PROFILE", "smoke") == "smoke"
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=8 if smoke else 30)
    parser.add_argument("--train_fraction", type=float, default=0.1)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.01)
    args = parser.parse_args()
    torch.manual_seed(0)
    train_loader, val_loader = make_loaders(args.batch_size, args.train_fraction)
    model = BaselineNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    best = fit(model, train_loader, val_loader, optimizer, args.epochs, log_every=1)
    print(f"best local validation accuracy {100 * best:.2f}%")


if __name__ == "__main__":
    main()
