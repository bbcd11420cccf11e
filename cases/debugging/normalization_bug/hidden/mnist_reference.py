"""Reference pieces for grading normalization_bug: the intended transforms and the model."""
import torch.nn as nn
from torchvision import transforms
from torchvision.models import mobilenet_v2

MNIST_MEAN, MNIST_STD = (0.1307,), (0.3081,)


def three_channels(image):
    return image.repeat(3, 1, 1)


def train_transform():
    """The training pipeline as given to the agent (it must not change)."""
    return transforms.Compose([
        transforms.RandomHorizontalFlip(),
        transforms.RandomRotation(15),
        transforms.RandomResizedCrop(32, scale=(0.8, 1.0)),
        transforms.ColorJitter(brightness=0.2, contrast=0.2),
        transforms.ToTensor(),
        transforms.Normalize(MNIST_MEAN, MNIST_STD),
        transforms.Lambda(three_channels),
    ])


def val_transform():
    """The corrected validation pipeline: same normalisation as training, no augmentation."""
    return transforms.Compose([
        transforms.Resize(32),
        transforms.ToTensor(),
        transforms.Normalize(MNIST_MEAN, MNIST_STD),
        transforms.Lambda(three_channels),
    ])


def model(num_classes=10):
    net = mobilenet_v2(weights=None)
    net.classifier[1] = nn.Linear(1280, num_classes)
    return net

