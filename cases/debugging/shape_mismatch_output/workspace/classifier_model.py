"""A small convolutional image classifier.

Images go through a convolutional feature extractor (`features`) and a linear head (`classifier`) that
maps the flattened feature map to one logit per class.
"""
import torch
import torch.nn as nn


class ClassifierModel(nn.Module):
    """Classify RGB images into `num_classes` classes.

    Input: a float tensor of shape (B, 3, 224, 224).
    Output: logits of shape (B, num_classes).
    """

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(64, 128, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2),
        )
        # 128 channels on the pooled feature map.
        self.classifier = nn.Linear(128 * 16 * 16, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = x.view(x.size(0), -1)
        return self.classifier(x)
