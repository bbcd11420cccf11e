"""Oracle for cifar_10_lt_performance: logit-adjusted cross-entropy (tau = 1) on the long-tailed set.

smoke: the baseline SmallCNN, AdamW + OneCycle (max lr 5e-3, wd 5e-4), batch 64, 16 epochs.
full:  torchvision ResNet-18 (ImageNet weights from the zoo in TORCH_HOME), 10-way head, input upsampled
       32 -> 112 px inside forward; AdamW 1e-3 + cosine, 15 epochs.
Keeps the best epoch by balanced accuracy on val_balanced in checkpoints/best.pt and writes utils.py.
"""
import argparse
import json
import math
import os

import torch
import torch.nn.functional as F

from train_baseline import SmallCNN, evaluate, loaders

UTILS = '''"""get_best_model(): the oracle's model, rebuilt from checkpoints/best.pt (weights only)."""
import os

import torch
import torch.nn.functional as F
import torchvision

from train_baseline import SmallCNN


class Upsampled(torch.nn.Module):
    def __init__(self, net, size=112):
        super().__init__()
        self.net, self.size = net, size

    def forward(self, x):
        return self.net(F.interpolate(x, size=self.size, mode="bilinear", align_corners=False))


def build(arch):
    if arch == "resnet18":
        net = torchvision.models.resnet18()
        net.fc = torch.nn.Linear(net.fc.in_features, 10)
        return Upsampled(net)
    return SmallCNN()


def get_best_model():
    ckpt = torch.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), "checkpoints", "best.pt"),
                      map_location="cpu", weights_only=True)
    model = build(ckpt["arch"])
    model.load_state_dict(ckpt["model_state_dict"])
    return model.eval()
'''


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", default=os.environ.get("MLDB_PROFILE", "smoke"))
    parser.add_argument("--epochs", type=int, default=None, help="default: 15 (full), 16 (smoke)")
    args = parser.parse_args()
    full = args.profile == "full"
    torch.manual_seed(0)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    with open("utils.py", "w") as f:
        f.write(UTILS)
    import utils
    arch = "resnet18" if full else "smallcnn"
    train_loader, val_loader, train_set = loaders(64)
    counts = torch.tensor(train_set.get_per_class_num(), dtype=torch.float)
    log_prior = torch.log(counts / counts.sum()).to(device)
    model = utils.build(arch)
    if full:
        import torchvision
        state = torchvision.models.ResNet18_Weights.DEFAULT.get_state_dict(progress=False)
        state = {k: v for k, v in state.items() if not k.startswith("fc.")}
        model.net.load_state_dict(state, strict=False)
    model = model.to(device)
    epochs = args.epochs or (15 if full else 16)
    steps = epochs * len(train_loader)
    if full:
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=5e-4)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / steps)))
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=5e-3, weight_decay=5e-4)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=5e-3, total_steps=steps)
    os.makedirs("checkpoints", exist_ok=True)
    best_bacc, best_loss = -1.0, float("inf")
    for epoch in range(1, epochs + 1):
        model.train()
        total, n = 0.0, 0
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            loss = F.cross_entropy(model(x) + log_prior, y)  # logit adjustment (tau = 1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(y)
            n += len(y)
        bacc = evaluate(model, val_loader, device)
        best_loss = min(best_loss, total / n)
        print(f"epoch {epoch}: loss {total / n:.4f}, val balanced accuracy {bacc:.2f}", flush=True)
        if bacc > best_bacc:
            best_bacc = bacc
            torch.save({"arch": arch, "model_state_dict": {k: v.cpu() for k, v in model.state_dict().items()},
                        "epoch": epoch}, "checkpoints/best.pt")
    with open("training_metrics.json", "w") as f:
        json.dump({"best_loss": best_loss, "best_balanced_acc": best_bacc}, f, indent=2)


if __name__ == "__main__":
    main()
