"""Reference pieces for grading normalization_bug: the two consistent pairs of transforms, and the model.

The given training pipeline normalises with the MNIST statistics and validation does not. Either consistent
pair fixes it: validation normalised like training (the usual fix), or neither normalised.
"""
import torch.nn as nn
from torchvision import transforms
from torchvision.models import mobilenet_v2

MNIST_MEAN, MNIST_STD = (0.1307,), (0.3081,)
PAIRS = (True, False)  # normalised, or not


def three_channels(image):
    return image.repeat(3, 1, 1)


def normalise(on):
    return [transforms.Normalize(MNIST_MEAN, MNIST_STD)] if on else []


def train_transform(normalised=True):
    """The training pipeline as given to the agent (normalised), or the same without Normalize."""
    return transforms.Compose([
        transforms.RandomHorizontalFlip(),
        transforms.RandomRotation(15),
        transforms.RandomResizedCrop(32, scale=(0.8, 1.0)),
        transforms.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2),
        transforms.ToTensor(),
        *normalise(normalised),
        transforms.Lambda(three_channels),
    ])


def val_transform(normalised=True):
    """The validation pipeline matching train_transform(normalised): no augmentation."""
    return transforms.Compose([
        transforms.Resize(32),
        transforms.ToTensor(),
        *normalise(normalised),
        transforms.Lambda(three_channels),
    ])


def model(num_classes=10):
    net = mobilenet_v2(weights=None)
    net.classifier[1] = nn.Linear(1280, num_classes)
    return net
