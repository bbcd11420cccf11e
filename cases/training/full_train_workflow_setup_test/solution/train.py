"""Oracle for full_train_workflow_setup_test: fine-tune DINOv2-small on the 50 %-noise Imagenette labels."""
import csv
import json
import os
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image
from transformers import Dinov2ForImageClassification

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
device = "cuda" if torch.cuda.is_available() else "cpu"
gpu = device == "cuda"
SIZE = 224 if gpu else 56
BATCH = 64 if gpu else 8
LR = 1e-4 if gpu else 1e-3
torch.manual_seed(0)


def load(path: Path) -> torch.Tensor:
    img = Image.open(path).convert("RGB")
    x = torch.from_numpy(__import__("numpy").asarray(img).copy()).permute(2, 0, 1).float().div(255.0)
    x = F.interpolate(x[None], size=(SIZE, SIZE), mode="bilinear", antialias=True, align_corners=False)[0]
    return (x - MEAN) / STD


def main():
    rows = list(csv.DictReader(open("dataset/noisy_labels_50.csv")))
    wnids = sorted({p.name for p in Path("dataset/train").iterdir() if p.is_dir()})
    index = {w: i for i, w in enumerate(wnids)}
    train = [(r["path"], index[r["label"]]) for r in rows if r["path"].startswith("train/")]
    val = [(r["path"], index[r["label"]]) for r in rows if r["path"].startswith("val/")]

    def tensors(items):
        return torch.stack([load(Path("dataset") / p) for p, _ in items]), torch.tensor([y for _, y in items])

    x_train, y_train = tensors(train)
    x_val, y_val = tensors(val)
    model = Dinov2ForImageClassification.from_pretrained("facebook/dinov2-small", num_labels=10).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=LR)
    os.makedirs("checkpoints", exist_ok=True)
    history = []
    for epoch in range(1, 5):
        model.train()
        perm = torch.randperm(len(x_train))
        total_loss = correct = 0
        for i in range(0, len(perm), BATCH):
            b = perm[i:i + BATCH]
            xb = x_train[b].to(device)
            if torch.rand(1).item() < 0.5:
                xb = xb.flip(3)
            yb = y_train[b].to(device)
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=gpu):
                logits = model(pixel_values=xb).logits
            loss = F.cross_entropy(logits.float(), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total_loss += loss.item() * len(b)
            correct += int((logits.argmax(1) == yb).sum())
        model.eval()
        v_loss = v_correct = 0
        with torch.no_grad():
            for i in range(0, len(x_val), 64):
                xb, yb = x_val[i:i + 64].to(device), y_val[i:i + 64].to(device)
                logits = model(pixel_values=xb).logits.float()
                v_loss += float(F.cross_entropy(logits, yb, reduction="sum"))
                v_correct += int((logits.argmax(1) == yb).sum())
        entry = {"epoch": epoch, "train_loss": total_loss / len(x_train), "train_acc": 100.0 * correct / len(x_train),
                 "val_loss": v_loss / len(x_val), "val_acc": 100.0 * v_correct / len(x_val)}
        history.append(entry)
        print(json.dumps(entry), flush=True)
        state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        torch.save({"epoch": epoch, "model_state_dict": state, "image_size": SIZE},
                   f"checkpoints/checkpoint_epoch_{epoch}.pt")
    with open("training_metrics.json", "w") as fh:
        json.dump({"best_val_acc": max(e["val_acc"] for e in history), "epochs": history}, fh, indent=2)


if __name__ == "__main__":
    sys.exit(main())
