"""Oracle step 2: train on the 50 %-noise labels with a noise-robust loss, keep the best epoch on the clean val.

Smoke: SmallCNN at 32 px, generalised cross-entropy (q = 0.7), random crop + flip, AdamW + OneCycle (max lr
3e-3), 20 epochs. Full: ImageNet ResNet-50 at 160 px, label smoothing 0.1, AdamW 3e-4, 5 epochs.
"""
import csv
import json
import os
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image
from torchvision.transforms import functional as TF

from model import MEAN, SIZE, SMOKE, STD, build

EPOCHS, BATCH_SIZE = (20, 64) if SMOKE else (5, 64)


def load(path):
    img = Image.open(path).convert("RGB")
    return TF.pil_to_tensor(TF.center_crop(TF.resize(img, SIZE), SIZE))


def gce_loss(logits, y, q=0.7):
    p = F.softmax(logits, 1).gather(1, y[:, None]).squeeze(1).clamp_min(1e-6)
    return ((1 - p ** q) / q).mean()


def augment(x):
    """Random crop (4 px of reflect padding, or 8 % of the size) and horizontal flip of a uint8 batch."""
    pad = max(4, SIZE // 12)
    x = F.pad(x.float(), (pad,) * 4, mode="reflect")
    i, j = torch.randint(0, 2 * pad + 1, (2,)).tolist()
    x = x[:, :, i:i + SIZE, j:j + SIZE]
    flip = torch.rand(len(x), device=x.device) < 0.5
    return torch.where(flip[:, None, None, None], x.flip(3), x)


def normalise(x):
    mean = torch.tensor(MEAN, device=x.device)[:, None, None] * 255
    std = torch.tensor(STD, device=x.device)[:, None, None] * 255
    return (x.float() - mean) / std


def main():
    torch.manual_seed(0)
    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "2"))))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    with open("dataset/noisy_labels_50.csv") as f:  # the only label source (val rows: the true labels)
        rows = list(csv.DictReader(f))
    wnids = sorted({r["label"] for r in rows})
    train = [(r["path"], wnids.index(r["label"])) for r in rows if r["path"].startswith("train/")]
    val = [(r["path"], wnids.index(r["label"])) for r in rows if r["path"].startswith("val/")]
    xtr = torch.stack([load(Path("dataset") / p) for p, _ in train])
    ytr = torch.tensor([y for _, y in train])
    xva = torch.stack([load(Path("dataset") / p) for p, _ in val])
    yva = torch.tensor([y for _, y in val])
    model = build(pretrained=True).to(device)
    steps = EPOCHS * ((len(xtr) + BATCH_SIZE - 1) // BATCH_SIZE)
    if SMOKE:
        opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=5e-4)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
        loss_fn = gce_loss
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.05)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
        loss_fn = lambda logits, y: F.cross_entropy(logits, y, label_smoothing=0.1)  # noqa: E731
    Path("checkpoints").mkdir(exist_ok=True)
    history, best = [], (-1.0, 0)
    for epoch in range(1, EPOCHS + 1):
        model.train()
        perm, total = torch.randperm(len(xtr)), 0.0
        for i in range(0, len(xtr), BATCH_SIZE):
            idx = perm[i:i + BATCH_SIZE]
            x = normalise(augment(xtr[idx].to(device)))
            loss = loss_fn(model(x), ytr[idx].to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        model.eval()
        with torch.no_grad():
            pred = torch.cat([model(normalise(xva[i:i + 256].to(device))).argmax(1).cpu()
                              for i in range(0, len(xva), 256)])
        val_acc = 100.0 * (pred == yva).float().mean().item()
        history.append({"epoch": epoch, "train_loss": total / len(xtr), "val_acc": val_acc})
        print(f"epoch {epoch}: train loss {total / len(xtr):.4f}, clean val acc {val_acc:.2f}%", flush=True)
        state = {"model_state_dict": {k: v.cpu() for k, v in model.state_dict().items()}, "epoch": epoch}
        torch.save(state, f"checkpoints/epoch_{epoch:02d}.pt")
        if val_acc > best[0]:
            best = (val_acc, epoch)
            torch.save(state, "checkpoints/best.pt")
    with open("training_metrics.json", "w") as f:
        json.dump({"best_val_acc": best[0], "best_epoch": best[1], "epochs_trained": EPOCHS, "history": history},
                  f, indent=2)


if __name__ == "__main__":
    main()
