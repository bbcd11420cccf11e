"""Train a MobileNetV2 classifier on MNIST digits (CPU).

MNIST is grayscale, MobileNetV2 expects three channels: every image is normalised with the MNIST
mean/std and then repeated to three identical channels.

- `get_transforms()`                     augmentation for training, a plain resize for validation
- `get_datasets()`                       the MNIST train/test splits under ./data (downloaded on first use)
- `get_dataloaders(n, batch, workers)`   `n` random batches per epoch (drawn with replacement): training from
                                         the train split, validation from the test split
- `get_model(k)`                         torchvision MobileNetV2 from scratch with a `k`-way head
- `train_one_epoch(...)`, `validate(...)` each return (mean batch loss, accuracy in %)
- `run_training(...)`                    the loop: keeps the best checkpoint, writes the metrics as JSON
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
CHECKPOINT_PATH = "best_model.pth"
METRICS_PATH = "train_metrics.json"
DEVICE = torch.device("cpu")


def to_three_channels(image):
    """(1, H, W) tensor -> (3, H, W) by repeating the gray channel."""
    return image.repeat(3, 1, 1)


def get_transforms():
    """Return (train_transform, val_transform): 28x28 PIL digits -> normalised (3, 32, 32) tensors."""
    train_transform = transforms.Compose([
        transforms.RandomHorizontalFlip(),
        transforms.RandomRotation(15),
        transforms.RandomResizedCrop(32, scale=(0.8, 1.0)),
        transforms.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2),
        transforms.ToTensor(),
        transforms.Normalize((0.1307,), (0.3081,)),
        transforms.Lambda(to_three_channels),
    ])
    val_transform = transforms.Compose([
        transforms.Resize(32),
        transforms.ToTensor(),
        transforms.Lambda(to_three_channels),
    ])
    return train_transform, val_transform


def get_datasets():
    """Return the MNIST (train, test) datasets with the transforms above."""
    train_transform, val_transform = get_transforms()
    train_dataset = datasets.MNIST(root=DATA_DIR, train=True, download=True, transform=train_transform)
    val_dataset = datasets.MNIST(root=DATA_DIR, train=False, download=True, transform=val_transform)
    return train_dataset, val_dataset


def get_dataloaders(iterations_per_epoch, batch_size=32, num_workers=2):
    """Return (train_loader, val_loader), each yielding `iterations_per_epoch` random batches per epoch
    (sampled with replacement; validation from the test split)."""
    train_dataset, val_dataset = get_datasets()
    train_loader = DataLoader(
        train_dataset, batch_size=batch_size, num_workers=num_workers,
        sampler=RandomSampler(train_dataset, replacement=True, num_samples=iterations_per_epoch * batch_size))
    val_loader = DataLoader(
        val_dataset, batch_size=batch_size, num_workers=num_workers,
        sampler=RandomSampler(val_dataset, replacement=True, num_samples=iterations_per_epoch * batch_size))
    return train_loader, val_loader


def get_model(num_classes):
    """MobileNetV2 (random init, 3-channel input) with its last layer resized to `num_classes`."""
    model = mobilenet_v2(weights=None)
    model.classifier[1] = nn.Linear(1280, num_classes)
    return model.to(DEVICE)


def train_one_epoch(model, loader, criterion, optimizer):
    """One epoch of training; returns (mean batch loss, accuracy in percent)."""
    model.train()
    running_loss, correct, total = 0.0, 0, 0
    for inputs, labels in loader:
        inputs, labels = inputs.to(DEVICE), labels.to(DEVICE)
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        correct += (outputs.argmax(dim=1) == labels).sum().item()
        total += labels.size(0)
    return running_loss / len(loader), 100.0 * correct / total


def validate(model, loader, criterion):
    """Evaluate in eval mode without gradients; returns (mean batch loss, accuracy in percent)."""
    model.eval()
    running_loss, correct, total = 0.0, 0, 0
    with torch.no_grad():
        for inputs, labels in loader:
            inputs, labels = inputs.to(DEVICE), labels.to(DEVICE)
            outputs = model(inputs)
            running_loss += criterion(outputs, labels).item()
            correct += (outputs.argmax(dim=1) == labels).sum().item()
            total += labels.size(0)
    return running_loss / len(loader), 100.0 * correct / total


def run_training(num_epochs=2, iterations_per_epoch=100, batch_size=32, num_workers=2):
    """Train, keep the checkpoint with the best validation accuracy, write the metrics; return the model."""
    torch.manual_seed(42)
    model = get_model(num_classes=10)
    train_loader, val_loader = get_dataloaders(iterations_per_epoch, batch_size, num_workers)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", patience=3)

    best_val_acc = float("-inf")
    metrics_history = []
    for epoch in range(num_epochs):
        start = time.time()
        train_loss, train_acc = train_one_epoch(model, train_loader, criterion, optimizer)
        val_loss, val_acc = validate(model, val_loader, criterion)
        scheduler.step(val_loss)
        epoch_time = time.time() - start
        metrics_history.append({"epoch": epoch + 1, "train_loss": train_loss, "train_acc": train_acc,
                                "val_loss": val_loss, "val_acc": val_acc, "epoch_time": epoch_time})
        print(f"Epoch {epoch + 1}/{num_epochs}: train loss {train_loss:.4f} acc {train_acc:.2f}% | "
              f"val loss {val_loss:.4f} acc {val_acc:.2f}% | {epoch_time:.1f}s")
        if val_acc > best_val_acc:
            best_val_acc = val_acc
            torch.save(model.state_dict(), CHECKPOINT_PATH)

    with open(METRICS_PATH, "w") as f:
        json.dump({"metrics_history": metrics_history, "best_val_acc": best_val_acc}, f, indent=2)
    return model
