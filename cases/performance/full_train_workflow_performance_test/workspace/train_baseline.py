"""Baseline for the noisy Imagenette task (expects dataset/ and dataset/noisy_labels_50.csv to exist).

BaselineNet (2 conv layers, then an MLP; no batch norm), plain cross-entropy on the 50 %-noise labels, Adam
1e-3, no augmentation, 20 epochs. No model selection: the last epoch is the final model. Writes
checkpoints/epoch_XX.pt ({"model_state_dict", "epoch"}) and training_metrics.json.
"""
import csv
import json
import os
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from torchvision.transforms import functional as TF

SIZE = 32 if os.environ.get("MLDB_PROFILE") == "smoke" else 64
EPOCHS, BATCH_SIZE, LR = 20, 64, 1e-3
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


class BaselineNet(nn.Module):
    def __init__(self, size=SIZE, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * (size // 4) ** 2, 1024)
        self.fc2 = nn.Linear(1024, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def load(path):
    img = Image.open(path).convert("RGB")
    img = TF.center_crop(TF.resize(img, SIZE), SIZE)
    return TF.normalize(TF.to_tensor(img), MEAN, STD)


def main():
    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    wnids = sorted(p.name for p in Path("dataset/train").iterdir())
    with open("dataset/noisy_labels_50.csv") as f:
        train = [(row["path"], wnids.index(row["label"])) for row in csv.DictReader(f) if row["path"].startswith("train/")]
    val = [(str(p.relative_to("dataset")), wnids.index(p.parent.name)) for p in sorted(Path("dataset/val").rglob("*.JPEG"))]
    xtr = torch.stack([load(Path("dataset") / p) for p, _ in train])
    ytr = torch.tensor([y for _, y in train])
    xva = torch.stack([load(Path("dataset") / p) for p, _ in val])
    yva = torch.tensor([y for _, y in val])
    model = BaselineNet().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    Path("checkpoints").mkdir(exist_ok=True)
    history = []
    for epoch in range(1, EPOCHS + 1):
        model.train()
        perm, total = torch.randperm(len(xtr)), 0.0
        for i in range(0, len(xtr), BATCH_SIZE):
            idx = perm[i:i + BATCH_SIZE]
            loss = F.cross_entropy(model(xtr[idx].to(device)), ytr[idx].to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        model.eval()
        with torch.no_grad():
            pred = torch.cat([model(xva[i:i + 256].to(device)).argmax(1).cpu() for i in range(0, len(xva), 256)])
        val_acc = 100.0 * (pred == yva).float().mean().item()
        history.append({"epoch": epoch, "train_loss": total / len(xtr), "val_acc": val_acc})
        print(f"epoch {epoch}: train loss {total / len(xtr):.4f}, val acc {val_acc:.2f}%", flush=True)
        torch.save({"model_state_dict": model.state_dict(), "epoch": epoch}, f"checkpoints/epoch_{epoch:02d}.pt")
    with open("training_metrics.json", "w") as f:
        json.dump({"best_val_acc": history[-1]["val_acc"], "epochs_trained": EPOCHS, "history": history}, f, indent=2)


if __name__ == "__main__":
    main()
