"""Long-tailed CIFAR-10 (imbalance factor 100) and its balanced local validation set.

`train=True` reads `data/cifar-10-lt/train_lt`, `train=False` reads `data/cifar-10-lt/val_balanced`. Both are
CIFAR-format pickles (`data`: N x 3072 uint8 rows of 1024 red, 1024 green, 1024 blue values; `labels`;
`filenames`). The long-tailed subset is fixed: nothing is sampled at load time.
"""
import os
import pickle

import numpy as np
from PIL import Image
from torch.utils.data import Dataset


class Cifar10Imbanlance(Dataset):
    def __init__(self, num_cls=10, file_path="data/", train=True, transform=None, label_align=True):
        self.num_cls = num_cls
        self.transform = transform
        self.label_align = label_align
        name = "train_lt" if train else "val_balanced"
        with open(os.path.join(file_path, "cifar-10-lt", name), "rb") as f:
            entry = pickle.load(f, encoding="latin1")
        self.x = np.asarray(entry["data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        self.y = [int(v) for v in entry["labels"]]
        self.filenames = list(entry.get("filenames", []))

    def __len__(self):
        return len(self.y)

    def __getitem__(self, index):
        image = Image.fromarray(self.x[index])
        if self.transform is not None:
            image = self.transform(image)
        return image, self.y[index]

    def get_per_class_num(self):
        return [self.y.count(c) for c in range(self.num_cls)]
