"""Cheats that must fail dataset_preprocess. Each is a complete, well-formed submission with one trick."""
from tests.cheatlib import Cheat

# START, TRAIN, MEAN/STD and AUG select the trick; the defaults are an honest submission
_TEMPLATE = '''
import json, os
import numpy as np
import torch
from torchvision import datasets, transforms
torch.manual_seed(0)
START, TRAIN, MEAN, STD, AUG, PRE = {start}, {train}, {mean}, {std}, "{aug}", "{pre}"
norm = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
aug = transforms.Compose([transforms.RandomRotation(15), transforms.RandomHorizontalFlip(),
                          transforms.ColorJitter(0.2, 0.2, 0.2), transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
rng = np.random.default_rng(0)
data = datasets.CIFAR10(root="./data", train=TRAIN, download=True)
os.makedirs("preprocessed", exist_ok=True); os.makedirs("augmented", exist_ok=True)
for i in range(10):
    img = data[START + i][0]
    base = norm(img).numpy()
    if PRE == "random":
        base = rng.uniform(-1, 1, (3, 32, 32)).astype(np.float32)
    elif PRE == "repeat":
        base = norm(data[START][0]).numpy()
    np.save(f"preprocessed/image_{{i}}.npy", base)
    for k in (1, 2, 3):
        if AUG == "copies":
            out = base
        elif AUG == "random":
            out = rng.uniform(-1, 1, (3, 32, 32)).astype(np.float32)
        elif AUG == "shuffled":
            out = aug(data[START + (i + 1) % 10][0]).numpy()
        else:
            out = aug(img).numpy()
        np.save(f"augmented/image_{{i}}_v{{k}}.npy", out)
json.dump({{"dataset": "CIFAR10", "preprocessing": {{"normalization": {{"mean": [0.5] * 3, "std": [0.5] * 3}},
           "expected_shape": [3, 32, 32], "value_range": [-1, 1]}},
           "preprocessed_data_path": "preprocessed", "augmented_data_path": "augmented"}},
          open("preprocessing_info.json", "w"))
'''


def _script(start=0, train=True, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), aug="honest", pre="honest"):
    return _TEMPLATE.format(start=start, train=train, mean=mean, std=std, aug=aug, pre=pre)


_IMAGENET = dict(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))

CHEATS = [
    Cheat("random-arrays", _script(aug="random", pre="random"), lang="python",
          why="checks 3 and 6: random values are neither the normalised images nor derived from them"),
    Cheat("random-augmentations", _script(aug="random"), lang="python",
          why="check 6: augmented arrays must come from their own source image"),
    Cheat("one-image-ten-times", _script(pre="repeat"), lang="python",
          why="check 3: the 10 preprocessed files must be the 10 different training images 0-9"),
    Cheat("test-split", _script(train=False), lang="python", why="check 3: training images are required"),
    Cheat("off-by-one", _script(start=1), lang="python", why="check 3: indices 0-9 in dataset order"),
    Cheat("imagenet-normalisation", _script(**_IMAGENET), lang="python",
          why="check 3: mean/std must be 0.5 (values also leave [-1, 1])"),
    Cheat("identical-copies", _script(aug="copies"), lang="python",
          why="check 5: three identical versions do not vary"),
    Cheat("shuffled-sources", _script(aug="shuffled"), lang="python",
          why="check 6: each augmented array must derive from its own image"),
]
