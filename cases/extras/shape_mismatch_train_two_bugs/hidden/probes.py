"""Probes of shape_mismatch_train (run in the untrusted process, on the agent's train.py, with the served MNIST
placed in ./data): what get_model, validate, get_transforms and get_datasets give on the judge's inputs."""
import importlib.util
import pathlib

import numpy as np
import torch
import torch.nn as nn
from PIL import Image
from torch.utils.data import DataLoader, TensorDataset


def train_module():
    spec = importlib.util.spec_from_file_location("train_under_test", pathlib.Path.cwd() / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def validate_fixture(inputs):
    """A small classifier with BatchNorm and Dropout (so eval mode matters), the judge's weights and batches."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 24), nn.BatchNorm1d(24), nn.ReLU(), nn.Dropout(0.5),
                          nn.Linear(24, 10))
    model.load_state_dict(inputs["validate"]["state_dict"])
    model.train()  # validate() must switch it to eval mode itself
    loader = DataLoader(TensorDataset(inputs["validate"]["x"], inputs["validate"]["labels"]), batch_size=32)
    return model, loader


def run(name, inputs):
    train = train_module()
    if name == "model":
        model = train.get_model(10).cpu()
        info = {"type": type(model).__name__}
        model.load_state_dict(inputs["model"]["state_dict"], strict=True)
        with torch.no_grad():
            info["logits"] = model.eval()(inputs["model"]["x"]).clone()
        return info
    if name == "validate":
        model, loader = validate_fixture(inputs)
        loss, acc = train.validate(model, loader, nn.CrossEntropyLoss(), torch.device("cpu"))
        return {"loss": float(loss), "acc": float(acc)}
    if name == "transforms":
        train_tf, val_tf = train.get_transforms()
        images = [Image.fromarray(d.numpy().astype(np.uint8), mode="L") for d in inputs["digits"]]
        return {"train": [train_tf(i) for i in images], "val": [val_tf(i) for i in images]}
    if name == "datasets":
        out = {}
        for split, dataset in zip(("train", "test"), train.get_datasets()):
            idx = [int(f * len(dataset)) for f in inputs["fractions"]]
            out[split] = {"type": type(dataset).__name__, "train": bool(getattr(dataset, "train", None)),
                          "len": len(dataset), "targets": torch.as_tensor(dataset.targets).clone(),
                          "idx": idx, "data": torch.stack([torch.as_tensor(dataset.data[i]) for i in idx])}
        return out
    raise KeyError(name)
