"""Hidden tests for training_files_debug: the package follows Lightning 2's API and its own docstrings.

The grader supplies the bug-free package as `reference_cifar10_classifier`, the pristine train.py, and the
dataset copy in MLDB_CIFAR_DIR.
"""
import os
import sys

import pytest
import torch

from reference_cifar10_classifier.data import CIFAR10DataModule as ReferenceDataModule
from reference_cifar10_classifier.model import CIFAR10Classifier as ReferenceClassifier

LEGACY_BEFORE = "pytorch_lightning" in sys.modules
from cifar10_classifier.data import CIFAR10DataModule  # noqa: E402
from cifar10_classifier.model import CIFAR10Classifier  # noqa: E402

LEGACY_AFTER = "pytorch_lightning" in sys.modules

import lightning.pytorch as L  # noqa: E402
from torch.utils.data import RandomSampler, SequentialSampler  # noqa: E402

import train  # noqa: E402  (the pristine, locked training script)

DATA = os.environ["MLDB_CIFAR_DIR"]


@pytest.fixture(scope="module")
def modules():
    agent = CIFAR10DataModule(data_dir=DATA, batch_size=32, num_workers=0)
    agent.setup("fit")
    reference = ReferenceDataModule(data_dir=DATA, batch_size=32, num_workers=0)
    reference.setup("fit")
    return agent, reference


def spread(n: int, k: int) -> list[int]:
    """k indices spread over range(n), seeded."""
    return sorted(torch.randperm(n, generator=torch.Generator().manual_seed(1234))[:k].tolist())


def test_lightning_2_classes_without_the_legacy_package():
    assert issubclass(CIFAR10Classifier, L.LightningModule), "CIFAR10Classifier is not a lightning.pytorch.LightningModule"
    assert issubclass(CIFAR10DataModule, L.LightningDataModule), \
        "CIFAR10DataModule is not a lightning.pytorch.LightningDataModule"
    assert not LEGACY_BEFORE, "pytorch_lightning was imported before the package (grader setup problem)"
    assert not LEGACY_AFTER, "importing cifar10_classifier imports the legacy pytorch_lightning package"


def test_split_and_eval_transform_match_the_contract(modules):
    agent, reference = modules
    assert len(agent.cifar_train) == len(reference.cifar_train), "train split size is not 80 %"
    assert len(agent.cifar_val) == len(reference.cifar_val), "val split size is not 20 %"
    for i in spread(len(reference.cifar_val), 64):
        image, label = agent.cifar_val[i]
        want_image, want_label = reference.cifar_val[i]
        assert int(label) == int(want_label), f"val item {i}: label {label}, reference {want_label}"
        assert torch.is_tensor(image) and image.shape == want_image.shape, f"val item {i}: {getattr(image, 'shape', image)}"
        assert torch.allclose(image, want_image, atol=1e-6), f"val item {i} is not the eval-transformed reference image"
    for i in spread(len(reference.cifar_train), min(len(reference.cifar_train), 500)):
        assert int(agent.cifar_train[i][1]) == int(reference.cifar_train[i][1]), f"train item {i} has the wrong label"


def test_train_is_augmented_and_shuffled_val_is_not(modules):
    agent, _ = modules
    first, second = [], []
    for seed, out in ((1, first), (2, second)):
        torch.manual_seed(seed)
        out.extend(agent.cifar_train[i][0] for i in range(8))
    differing = sum(not torch.equal(a, b) for a, b in zip(first, second))
    assert differing >= 6, f"only {differing} of 8 train items change between seeds: training is not augmented"
    val_first, val_second = [], []
    for seed, out in ((1, val_first), (2, val_second)):
        torch.manual_seed(seed)
        out.extend(agent.cifar_val[i][0] for i in range(8))
    assert all(torch.equal(a, b) for a, b in zip(val_first, val_second)), "val items are randomly transformed"
    assert isinstance(agent.train_dataloader().sampler, RandomSampler), "the train loader does not shuffle"
    assert isinstance(agent.val_dataloader().sampler, SequentialSampler), "the val loader shuffles"


def test_short_fit_with_the_training_callbacks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    L.seed_everything(0)
    model = CIFAR10Classifier()
    datamodule = CIFAR10DataModule(data_dir=DATA, batch_size=32, num_workers=0)
    trainer = L.Trainer(max_epochs=1, accelerator="cpu", logger=False, limit_train_batches=2, limit_val_batches=2,
                        callbacks=train.make_callbacks(str(tmp_path / "checkpoints")), enable_progress_bar=False,
                        enable_model_summary=False)
    trainer.fit(model, datamodule=datamodule)
    metrics = trainer.callback_metrics
    assert "val_loss" in metrics and "val_acc" in metrics, f"logged metrics: {sorted(metrics)}"
    assert torch.isfinite(metrics["val_loss"]) and 0.0 <= float(metrics["val_acc"]) <= 1.0


def test_forward_and_parameter_count():
    torch.manual_seed(0)
    model = CIFAR10Classifier().eval()
    with torch.no_grad():
        out = model(torch.randn(4, 3, 32, 32))
    assert tuple(out.shape) == (4, 10)
    assert torch.isfinite(out).all()
    got = sum(p.numel() for p in model.parameters())
    want = sum(p.numel() for p in ReferenceClassifier().parameters())
    assert got == want, f"{got} parameters, reference {want}"
