"""CIFAR-100 data access and metrics (locked: do not modify).

`CIFAR100Dataset(split)` reads `data/cifar-100-python/train` (the Python pickle: `data` N x 3072 uint8 rows of
1024 red, 1024 green, 1024 blue values; `fine_labels` 0-99). `split='train'` is the first 90 % of it,
`split='val'` the last 10 % (a local validation set). The test split is held by the grader.
"""
import os
import pickle

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "cifar-100-python")
VAL_FRACTION = 0.1


def load_split(split, data_dir=DATA_DIR):
    if split not in ("train", "val", "all"):
        raise ValueError(f"split must be 'train', 'val' or 'all', not {split!r}")
    with open(os.path.join(data_dir, "train"), "rb") as f:
        entry = pickle.load(f, encoding="latin1")
    images = np.asarray(entry["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    labels = np.asarray(entry["fine_labels"], dtype=np.int64)
    n_train = int(round(len(labels) * (1 - VAL_FRACTION)))
    if split == "train":
        return images[:n_train], labels[:n_train]
    if split == "val":
        return images[n_train:], labels[n_train:]
    return images, labels


class CIFAR100Dataset(Dataset):
    """Items are {"image": float (3, S, S) in [0, 1] (then `transform`), "labels": long}."""

    def __init__(self, split, transform=None, image_size=32, data_dir=DATA_DIR):
        self.images, self.labels = load_split(split, data_dir)
        self.transform = transform
        self.image_size = image_size

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        image = torch.from_numpy(self.images[index]).float() / 255.0
        if self.image_size != 32:
            image = F.interpolate(image[None], size=self.image_size, mode="bilinear", align_corners=False)[0]
        if self.transform is not None:
            image = self.transform(image)
        return {"image": image, "labels": torch.tensor(self.labels[index], dtype=torch.long)}


def compute_metrics(predictions, true_labels, num_classes=100):
    """{total, correct, class_correct, class_total}; class_correct[i] counts (pred == i) & (true == i)."""
    predictions = torch.as_tensor(predictions).view(-1).cpu()
    true_labels = torch.as_tensor(true_labels).view(-1).cpu()
    hit = predictions == true_labels
    class_correct = [int((hit & (true_labels == i)).sum()) for i in range(num_classes)]
    class_total = [int((true_labels == i).sum()) for i in range(num_classes)]
    return {"total": int(len(true_labels)), "correct": int(hit.sum()), "class_correct": class_correct,
            "class_total": class_total}
