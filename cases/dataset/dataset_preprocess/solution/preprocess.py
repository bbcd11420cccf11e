"""Oracle for dataset_preprocess: normalise CIFAR-10 training images 0-9 and save three augmentations each."""
import json
import os

import numpy as np
import torch
from torchvision import datasets, transforms

torch.manual_seed(0)
MEAN = STD = (0.5, 0.5, 0.5)
normalize = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
augment = transforms.Compose([
    transforms.RandomRotation(15),
    transforms.RandomHorizontalFlip(),
    transforms.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2),
    transforms.ToTensor(),
    transforms.Normalize(MEAN, STD),
])

data = datasets.CIFAR10(root="./data", train=True, download=True)
os.makedirs("preprocessed", exist_ok=True)
os.makedirs("augmented", exist_ok=True)
for i in range(10):
    image, _ = data[i]
    np.save(f"preprocessed/image_{i}.npy", normalize(image).numpy())
    for k in (1, 2, 3):
        np.save(f"augmented/image_{i}_v{k}.npy", augment(image).numpy())

info = {
    "dataset": "CIFAR10",
    "preprocessing": {
        "normalization": {"mean": list(MEAN), "std": list(STD)},
        "expected_shape": [3, 32, 32],
        "value_range": [-1, 1],
    },
    "preprocessed_data_path": "preprocessed",
    "augmented_data_path": "augmented",
}
with open("preprocessing_info.json", "w") as f:
    json.dump(info, f, indent=2)
print("saved 10 preprocessed and 30 augmented arrays")
