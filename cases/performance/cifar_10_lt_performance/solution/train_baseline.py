"""Baseline for long-tailed CIFAR-10: a small CNN from scratch with plain cross-entropy (no re-balancing).

    python train_baseline.py [--epochs 12] [--batch_size 64] [--lr 1e-3]

Writes checkpoints/baseline_epoch_XX.pt ({"model_state_dict", "epoch"}) and training_metrics.json.
"""
import argparse
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision import transforms

from dataset import Cifar10Imbanlance
from evaluate import MEAN, STD, balanced_accuracy


class SmallCNN(nn.Module):
    """Four conv + BN + ReLU + max-pool blocks, global average pooling, a linear head (about 0.24 M params)."""

    def __init__(self, num_classes=10, widths=(32, 64, 128, 128)):
        super().__init__()
        layers, c_in = [], 3
        for c_out in widths:
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
                       nn.MaxPool2d(2)]
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c_in, num_classes)

    def forward(self, x):
        return self.head(F.adaptive_avg_pool2d(self.features(x), 1).flatten(1))


def loaders(batch_size):
    train_tf = transforms.Compose([transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(),
                                   transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    val_tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    train = Cifar10Imbanlance(file_path="data/", train=True, transform=train_tf)
    val = Cifar10Imbanlance(file_path="data/", train=False, transform=val_tf)
    return (DataLoader(train, batch_size=batch_size, shuffle=True, drop_last=False),
            DataLoader(val, batch_size=200, shuffle=False), train)


def evaluate(model, loader, device):
    model.eval()
    preds, labels = [], []
    with torch.no_grad():
        for x, y in loader:
            preds.append(model(x.to(device)).argmax(1).cpu())
            labels.append(y)
    return balanced_accuracy(torch.cat(preds), torch.cat(labels))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=12 if os.environ.get("MLDB_PROFILE", "smoke") == "smoke" else 30)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()
    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_loader, val_loader, train_set = loaders(args.batch_size)
    print("per-class counts:", train_set.get_per_class_num())
    model = SmallCNN().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    os.makedirs("checkpoints", exist_ok=True)
    best_loss, best_bacc = float("inf"), 0.0
    for epoch in range(1, args.epochs + 1):
        model.train()
        total, n = 0.0, 0
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(y)
            n += len(y)
        bacc = evaluate(model, val_loader, device)
        best_loss, best_bacc = min(best_loss, total / n), max(best_bacc, bacc)
        torch.save({"model_state_dict": model.state_dict(), "epoch": epoch}, f"checkpoints/baseline_epoch_{epoch:02d}.pt")
        print(f"epoch {epoch}: train loss {total / n:.4f}, val balanced accuracy {bacc:.2f}")
    with open("training_metrics.json", "w") as f:
        json.dump({"best_loss": best_loss, "best_balanced_acc": best_bacc}, f, indent=2)


if __name__ == "__main__":
    main()
