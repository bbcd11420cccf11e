"""Baseline training recipe for the CIFAR-10 classifier `LightningCNN` (PyTorch Lightning).

    python train_baseline.py [--device auto|cpu|cuda] [--batch_size 128] [--epochs 50] [--checkpoint PATH]

Data: `data/cifar-10-batches-py/` (the five training batches and `batches.meta`; there is no test batch).
`split='train'` is the first 90 % of the concatenated training batches, `split='val'` the last 10 %.
Checkpoints go to `lightning_checkpoints/` (best `val_acc`); `val_acc` is logged in percent.
"""
import argparse
import os
import pickle

import lightning.pytorch as pl
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from lightning.pytorch.callbacks import ModelCheckpoint
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

DATA_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "cifar-10-batches-py")
MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)
VAL_FRACTION = 0.1


def load_cifar10(root=DATA_ROOT, split="train"):
    """Images (N, 3, 32, 32) uint8 and labels (N,) int64 of the 'train' or 'val' slice of the training batches."""
    if split not in ("train", "val", "all"):
        raise ValueError(f"split must be 'train', 'val' or 'all', not {split!r}")
    data, labels = [], []
    for i in range(1, 6):
        with open(os.path.join(root, f"data_batch_{i}"), "rb") as f:
            batch = pickle.load(f, encoding="latin1")
        data.append(np.asarray(batch["data"], dtype=np.uint8))
        labels.extend(batch["labels"])
    x = np.concatenate(data).reshape(-1, 3, 32, 32)
    y = np.asarray(labels, dtype=np.int64)
    n_train = int(round(len(y) * (1 - VAL_FRACTION)))
    if split == "train":
        return x[:n_train], y[:n_train]
    if split == "val":
        return x[n_train:], y[n_train:]
    return x, y


class CIFAR10Slice(Dataset):
    def __init__(self, images, labels, transform=None):
        self.images = torch.from_numpy(images).float().div_(255.0)
        self.labels = torch.from_numpy(labels)
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        img = self.images[i]
        if self.transform is not None:
            img = self.transform(img)
        return img, self.labels[i]


def train_transform():
    return transforms.Compose([transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(),
                               transforms.Normalize(MEAN, STD)])


def eval_transform():
    return transforms.Normalize(MEAN, STD)


class CIFAR10DataModule(pl.LightningDataModule):
    def __init__(self, batch_size=128, num_workers=0, root=DATA_ROOT):
        super().__init__()
        self.batch_size, self.num_workers, self.root = batch_size, num_workers, root

    def setup(self, stage=None):
        self.train_set = CIFAR10Slice(*load_cifar10(self.root, "train"), train_transform())
        self.val_set = CIFAR10Slice(*load_cifar10(self.root, "val"), eval_transform())

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True, num_workers=self.num_workers)

    def val_dataloader(self):
        return DataLoader(self.val_set, batch_size=self.batch_size, shuffle=False, num_workers=self.num_workers)


class LightningCNN(pl.LightningModule):
    def __init__(self, learning_rate=1e-3):
        super().__init__()
        self.save_hyperparameters()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(128, 256, 3, padding=1), nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Linear(256, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))

    def training_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        loss = F.cross_entropy(logits, y)
        self.log("train_loss", loss, prog_bar=True)
        self.log("train_acc", 100.0 * (logits.argmax(1) == y).float().mean(), prog_bar=True)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        self.log("val_loss", F.cross_entropy(logits, y), prog_bar=True)
        self.log("val_acc", 100.0 * (logits.argmax(1) == y).float().mean(), prog_bar=True)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.learning_rate)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "gpu"])
    parser.add_argument("--batch_size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--checkpoint", default=None, help="resume training from this Lightning checkpoint")
    args = parser.parse_args()

    pl.seed_everything(42)
    from lightning.pytorch.loggers import WandbLogger
    logger = WandbLogger(project="cifar10-baseline")
    checkpoint = ModelCheckpoint(dirpath="lightning_checkpoints", filename="cifar10-{epoch:02d}-{val_acc:.2f}",
                                 monitor="val_acc", mode="max", save_top_k=1)
    trainer = pl.Trainer(max_epochs=args.epochs, accelerator="gpu" if args.device == "cuda" else args.device,
                         devices=1, logger=logger, callbacks=[checkpoint])
    trainer.fit(LightningCNN(learning_rate=1e-3), CIFAR10DataModule(batch_size=args.batch_size),
                ckpt_path=args.checkpoint)
    print(f"best checkpoint: {checkpoint.best_model_path} (val_acc {checkpoint.best_model_score})")


if __name__ == "__main__":
    main()
