"""Train a small MLP on MNIST digits 0, 1, 2 (balanced), evaluate, export with torch.export."""
import json
import os

import torch
from torch import nn
from torchvision import datasets, transforms

DIGITS = (0, 1, 2)
torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"


def filtered(train: bool, balance: bool):
    ds = datasets.MNIST(root="./data", train=train, download=True, transform=transforms.ToTensor())
    images = ds.data.float().div(255.0).unsqueeze(1)
    labels = ds.targets.clone()
    keep = []
    per_class = min(int((labels == d).sum()) for d in DIGITS) if balance else None
    for d in DIGITS:
        idx = torch.nonzero(labels == d).flatten()
        keep.append(idx[:per_class] if balance else idx)
    keep = torch.cat(keep)
    return images[keep], labels[keep]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor(0.1307))
        self.register_buffer("std", torch.tensor(0.3081))
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                                  nn.Linear(64, 3))

    def forward(self, x):
        return self.body((x - self.mean) / self.std)


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(x[i:i + 256].to(device)).argmax(1).cpu() for i in range(0, len(x), 256)])
    return float((pred == y).float().mean())


def main():
    x_train, y_train = filtered(True, balance=True)
    x_test, y_test = filtered(False, balance=True)
    model = Net().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(5):
        model.train()
        perm = torch.randperm(len(x_train))
        for i in range(0, len(perm), 64):
            b = perm[i:i + 64]
            opt.zero_grad()
            loss = loss_fn(model(x_train[b].to(device)), y_train[b].to(device))
            loss.backward()
            opt.step()
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}")
    results = {
        "train_accuracy": accuracy(model, x_train, y_train),
        "test_accuracy": accuracy(model, x_test, y_test),
        "unique_train_labels": sorted(int(v) for v in y_train.unique()),
        "unique_test_labels": sorted(int(v) for v in y_test.unique()),
        "num_train_samples": int(len(y_train)),
        "num_test_samples": int(len(y_test)),
        "samples_per_class_train": {str(d): int((y_train == d).sum()) for d in DIGITS},
        "samples_per_class_test": {str(d): int((y_test == d).sum()) for d in DIGITS},
    }
    os.makedirs("training", exist_ok=True)
    with open("training/training_results.json", "w") as fh:
        json.dump(results, fh, indent=2)
    model = model.cpu().eval()
    exported = torch.export.export(model, (torch.zeros(64, 1, 28, 28),))
    torch.export.save(exported, "training/model.pt2")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
