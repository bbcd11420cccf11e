"""Models of the oracle (copied into the workspace): a small BN-CNN (smoke) and a torchvision ResNet-50 (full)."""
import os

import torch.nn as nn

SMOKE = os.environ.get("MLDB_PROFILE") == "smoke"
SIZE = 32 if SMOKE else 160
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.MaxPool2d(2))


class SmallCNN(nn.Module):
    """Four conv-BN-ReLU-pool blocks and a linear head (about 0.24 M parameters)."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(block(3, 32), block(32, 64), block(64, 96), block(96, 128))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(128, num_classes))

    def forward(self, x):
        return self.head(self.features(x))


def build(pretrained=False):
    if SMOKE:
        return SmallCNN()
    import torchvision
    weights = torchvision.models.ResNet50_Weights.IMAGENET1K_V1 if pretrained else None
    model = torchvision.models.resnet50(weights=weights)
    model.fc = nn.Linear(model.fc.in_features, 10)
    return model
