"""get_best_model(): the oracle's model with the weights of its best epoch (checkpoints/best.pt)."""
from pathlib import Path

import torch
from torchvision import transforms

from model import MEAN, SIZE, STD, build

HERE = Path(__file__).resolve().parent


def get_best_model():
    model = build(pretrained=False)
    state = torch.load(HERE / "checkpoints" / "best.pt", map_location="cpu", weights_only=True)
    model.load_state_dict(state["model_state_dict"])
    return model.eval()


def get_transform():
    return transforms.Compose([transforms.Resize(SIZE), transforms.CenterCrop(SIZE), transforms.ToTensor(),
                               transforms.Normalize(MEAN, STD)])
