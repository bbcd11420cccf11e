"""Train an ImageNet-style MobileNetV2 classifier on MNIST digits.

The pieces are kept small so they can be reused and tested one by one:

- `get_transforms()`       augmentation for training, a plain resize for validation
- `get_datasets()`         the MNIST train/test splits under ./data (downloaded on first use)
- `get_dataloaders(n)`     loaders that draw `n` random batches per epoch (sampling with replacement)
- `get_model(k)`           torchvision MobileNetV2 (3-channel input) with a `k`-way head
- `train_one_epoch(...)`   one pass of optimisation; returns (mean batch loss, accuracy in %)
- `validate(...)`          evaluation without gradients; returns (mean batch loss, accuracy in %)
- `run_training(n)`        the whole loop: keeps the best checkpoint and writes the metrics as JSON
"""
import json
import time

import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader, RandomSampler
from torchvision import datasets, transforms
from torchvision.models import mobilenet_v2

DATA_DIR = "./data"
BATCH_SIZE = 32
NUM_WORKERS = 2
CHECKPOINT_PATH = "best_model.pth"
METRICS_PATH = "train_metrics.json"


def get_transforms():
    """Return (train_transform, val_transform) for 28x28 MNIST images, producing 32x32 tensors."""
    train_transform = transforms.Compose([
        transforms.RandomHorizontalFlip(),
        transforms.RandomRotation(15),
        transforms.RandomResizedCrop(32, scale=(0.8, 1.0)),
        transforms.ColorJitter(brightness=0.2, contrast=0.2),
        transforms.ToTensor(),
        transforms.Normalize((0.1307,), (0.3081,)),
    ])
    val_transform = transforms.Compose([
        transforms.Resize(32),
        transforms.ToTensor(),
        transforms.Normalize((0.1307,), (0.3081,)),
    ])
    return train_transform, val_transform


def get_datasets():
    """Return the MNIST (train, test) datasets with the transforms above."""
    train_transform, val_transform = get_transforms()
    train_dataset = datasets.MNIST(root=DATA_DIR, train=True, download=True, transform=train_transform)
    val_dataset = datasets.MNIST(root=DATA_DIR, train=False, download=True, transform=val_transform)
    return train_dataset, val_dataset


def get_dataloaders(iterations_per_epoch):
    """Return (train_loader, val_loader), each yielding `iterations_per_epoch` full batches."""
    train_dataset, val_dataset = get_datasets()
    num_samples = iterations_per_epoch * BATCH_SIZE
    train_sampler = RandomSampler(train_dataset, replacement=True, num_samples=num_samples)
    val_sampler = RandomSampler(val_dataset, replacement=True, num_samples=num_samples)
    train_loader = DataLoader(train_dataset, batch_size=BATCH_SIZE, sampler=train_sampler,
                              num_workers=NUM_WORKERS)
    val_loader = DataLoader(val_dataset, batch_size=BATCH_SIZE, sampler=val_sampler,
                            num_workers=NUM_WORKERS)
    return train_loader, val_loader


def get_model(num_classes):
    """MobileNetV2 from scratch with its last layer resized to `num_classes`; on the GPU if there is one."""
    model = mobilenet_v2(weights=None)
    model.classifier[1] = nn.Linear(1280, num_classes)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return model.to(device)


def train_one_epoch(model, train_loader, criterion, optimizer, device):
    """One epoch of training; returns (mean batch loss, accuracy in percent)."""
    model.train()
    running_loss, correct, total = 0.0, 0, 0
    for inputs, labels in train_loader:
        inputs, labels = inputs.to(device), labels.to(device)
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()

        running_loss += loss.item()
        _, predicted = outputs.max(1)
        total += labels.size(0)
        correct += predicted.eq(labels).sum().item()
    return running_loss / len(train_loader), 100.0 * correct / total


def validate(model, val_loader, criterion, device):
    """Evaluate in eval mode without gradients; returns (mean batch loss, accuracy in percent)."""
    model.eval()
    running_loss, correct, total = 0.0, 0, 0
    with torch.no_grad():
        for inputs, labels in val_loader:
            inputs, labels = inputs.to(device), labels.to(device)
            outputs = model(inputs)
            loss = criterion(outputs, labels)

            running_loss += loss.item()
            _, predicted = outputs.max(0)
            total += labels.size(0)
            correct += predicted.eq(labels).sum().item()
    return running_loss / len(val_loader), 100.0 * correct / total


def run_training(num_epochs=2):
    """Train for `num_epochs` short epochs, save the best model and the metrics; return the model."""
    torch.manual_seed(42)
    iterations_per_epoch = 5
    model = get_model(num_classes=10)
    device = next(model.parameters()).device
    train_loader, val_loader = get_dataloaders(iterations_per_epoch)

    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=1)

    best_val_acc = float("-inf")
    metrics_history = []
    for epoch in range(num_epochs):
        start = time.time()
        train_loss, train_acc = train_one_epoch(model, train_loader, criterion, optimizer, device)
        val_loss, val_acc = validate(model, val_loader, criterion, device)
        scheduler.step(val_loss)
        epoch_time = time.time() - start

        metrics_history.append({"epoch": epoch + 1, "train_loss": train_loss, "train_acc": train_acc,
                                "val_loss": val_loss, "val_acc": val_acc, "epoch_time": epoch_time})
        print(f"Epoch {epoch + 1}/{num_epochs}: train loss {train_loss:.4f} acc {train_acc:.2f}% | "
              f"val loss {val_loss:.4f} acc {val_acc:.2f}% | {epoch_time:.1f}s")

        if val_acc > best_val_acc:
            best_val_acc = val_acc
            torch.save(model.state_dict(), CHECKPOINT_PATH)
            print(f"  saved new best model ({val_acc:.2f}%)")

    with open(METRICS_PATH, "w") as f:
        json.dump({"metrics_history": metrics_history, "best_val_acc": best_val_acc}, f, indent=2)
    return model
