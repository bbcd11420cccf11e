"""Hidden tests for shape_mismatch_train: architecture, dataset, transforms and `validate` are the real ones.

Run by the grader in the grading directory (cwd), after the hidden entry script; torch stays on the CPU.
"""
import importlib.util
import pathlib
import tempfile

import numpy as np
import pytest
import torch
import torch.nn as nn
from PIL import Image
from torch.utils.data import DataLoader, TensorDataset
from torchvision import datasets
from torchvision.models import MobileNetV2

HERE = pathlib.Path(__file__).resolve().parent
MOBILENET_V2_10_CLASSES = 2_236_682


def load_train():
    spec = importlib.util.spec_from_file_location("train_under_test", HERE / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def train():
    return load_train()


def test_model_is_unchanged_mobilenet_v2(train):
    model = train.get_model(10)
    assert type(model) is MobileNetV2, f"get_model returned {type(model).__name__}"
    first_conv = model.features[0][0]
    assert isinstance(first_conv, nn.Conv2d) and tuple(first_conv.weight.shape) == (32, 3, 3, 3), \
        "the first convolution must take 3-channel input"
    head = model.classifier[1]
    assert isinstance(head, nn.Linear) and (head.in_features, head.out_features) == (1280, 10)
    assert sum(p.numel() for p in model.parameters()) == MOBILENET_V2_10_CLASSES


def test_datasets_are_the_served_mnist(train):
    train_set, test_set = train.get_datasets()
    with tempfile.TemporaryDirectory() as root:  # a clean reference copy from the same source
        ref_train = datasets.MNIST(root, train=True, download=True)
        ref_test = datasets.MNIST(root, train=False, download=True)
        for got, ref, split in ((train_set, ref_train, "train"), (test_set, ref_test, "test")):
            assert type(got) is datasets.MNIST, f"{split} split is {type(got).__name__}, not MNIST"
            assert got.train == ref.train, f"{split} split has train={got.train}"
            assert len(got) == len(ref), f"{split} split has {len(got)} images, expected {len(ref)}"
            assert torch.equal(got.targets, ref.targets), f"{split} labels differ from MNIST's"
            assert torch.equal(got.data, ref.data), f"{split} images differ from MNIST's"


def test_transforms_give_three_channel_32px_tensors(train):
    train_tf, val_tf = train.get_transforms()
    rng = np.random.default_rng(7)
    digit = np.zeros((28, 28), dtype=np.uint8)
    digit[6:22, 12:16] = rng.integers(160, 256, (16, 4), dtype=np.uint8)
    image = Image.fromarray(digit, mode="L")
    for name, tf in (("train", train_tf), ("val", val_tf)):
        out = tf(image)
        assert isinstance(out, torch.Tensor) and out.dtype == torch.float32, f"{name} transform: not a float tensor"
        assert tuple(out.shape) == (3, 32, 32), f"{name} transform gives shape {tuple(out.shape)}"


def reference_validate(model, loader, criterion, device):
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for inputs, labels in loader:
            outputs = model(inputs.to(device))
            labels = labels.to(device)
            total_loss += criterion(outputs, labels).item()
            correct += (outputs.argmax(dim=1) == labels).sum().item()
            seen += labels.numel()
    return total_loss / len(loader), 100.0 * correct / seen


def fixed_model_and_loader():
    """A seeded classifier (BatchNorm, so eval mode matters) and 3 batches of 32 with ~60 % right labels."""
    gen = torch.Generator().manual_seed(2024)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 24), nn.BatchNorm1d(24), nn.ReLU(),
                          nn.Dropout(0.5), nn.Linear(24, 10))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        model[2].running_mean.copy_(torch.randn(24, generator=gen))
        model[2].running_var.copy_(torch.rand(24, generator=gen) + 0.5)
    model.eval()
    inputs = torch.randn(96, 3, 8, 8, generator=gen)
    with torch.no_grad():
        labels = model(inputs).argmax(dim=1)
    wrong = torch.rand(96, generator=gen) < 0.4
    labels[wrong] = torch.randint(0, 10, (int(wrong.sum()),), generator=gen)
    model.train()  # validate() must switch it to eval mode itself
    return model, DataLoader(TensorDataset(inputs, labels), batch_size=32, shuffle=False)


def test_validate_matches_reference(train):
    device = torch.device("cpu")
    criterion = nn.CrossEntropyLoss()
    model, loader = fixed_model_and_loader()
    expected_loss, expected_acc = reference_validate(model, loader, criterion, device)
    assert 20.0 < expected_acc < 90.0  # the fixture itself is sound
    model, loader = fixed_model_and_loader()
    got_loss, got_acc = train.validate(model, loader, criterion, device)
    assert float(got_loss) == pytest.approx(expected_loss, abs=1e-4), "validation loss differs from the reference"
    assert float(got_acc) == pytest.approx(expected_acc, abs=1e-4), "validation accuracy differs from the reference"
