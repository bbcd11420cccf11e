"""Hidden tests for normalization_bug: validation is fixed, training, model and data are unchanged.

Run by the grader in the grading directory after the hidden entry script; everything stays on the CPU.
"""
import importlib.util
import pathlib
import tempfile

import pytest
import torch
from torchvision import datasets
from torchvision.models import MobileNetV2

import mnist_reference as ref

HERE = pathlib.Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def served():
    """Reference copies of the served splits, downloaded before the agent's module is imported."""
    with tempfile.TemporaryDirectory() as root:
        yield ref.served_mnist(root, train=True), ref.served_mnist(root, train=False)


@pytest.fixture(scope="module")
def train(served):
    spec = importlib.util.spec_from_file_location("train_under_test", HERE / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample_images(dataset, count, seed):
    picks = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed))[:count]
    return [dataset[int(i)][0] for i in picks]


def test_val_transform_matches_reference(train, served):
    _, val_tf = train.get_transforms()
    expected_tf = ref.val_transform()
    for i, image in enumerate(sample_images(served[1], 64, seed=5)):
        got, expected = val_tf(image), expected_tf(image)
        assert isinstance(got, torch.Tensor) and got.shape == expected.shape, \
            f"image {i}: val transform gives {getattr(got, 'shape', type(got))}, expected {tuple(expected.shape)}"
        assert torch.allclose(got.float(), expected, atol=1e-5), f"image {i}: val transform output differs"


def test_train_transform_is_unchanged(train, served):
    train_tf, _ = train.get_transforms()
    expected_tf = ref.train_transform()
    for seed in (101, 202):
        images = sample_images(served[0], 16, seed=seed)
        torch.manual_seed(seed)
        got = [train_tf(image) for image in images]
        torch.manual_seed(seed)
        expected = [expected_tf(image) for image in images]
        for i, (g, e) in enumerate(zip(got, expected)):
            assert isinstance(g, torch.Tensor) and g.shape == e.shape, f"seed {seed}, image {i}: shape changed"
            assert torch.allclose(g.float(), e, atol=1e-5), f"seed {seed}, image {i}: train transform output differs"


def test_model_and_data_are_unchanged(train, served):
    model, expected = train.get_model(10), ref.model(10)
    assert type(model) is MobileNetV2, f"get_model returned {type(model).__name__}"
    assert sum(p.numel() for p in model.parameters()) == ref.NUM_PARAMETERS
    got_shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert got_shapes == {k: tuple(v.shape) for k, v in expected.state_dict().items()}, "model layers differ"

    train_set, test_set = train.get_datasets()
    for got, reference, split in ((train_set, served[0], "train"), (test_set, served[1], "test")):
        assert type(got) is datasets.MNIST, f"{split} split is {type(got).__name__}, not MNIST"
        assert got.train == reference.train, f"the {split} split has train={got.train}"
        assert len(got) == len(reference) and torch.equal(got.targets, reference.targets), \
            f"the {split} split is not the served MNIST {split} split"
        assert torch.equal(got.data, reference.data), f"{split} images differ from the served MNIST"

    train_loader, val_loader = train.get_dataloaders(2, 8, 0)
    assert getattr(train_loader.dataset, "train", None) is True, "training must draw from the train split"
    assert getattr(val_loader.dataset, "train", None) is False, "validation must draw from the test split"
    assert len(val_loader.dataset) == len(served[1])
