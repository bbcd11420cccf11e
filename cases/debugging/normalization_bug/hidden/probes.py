"""Probes of normalization_bug (run in the untrusted process, on the agent's train.py, with the served MNIST
placed in ./data): what get_transforms, get_model, get_datasets and get_dataloaders give on the judge's
inputs."""
import importlib.util
import json
import os
import pathlib
import tempfile

import torch
from PIL import Image

SHORT_RUN = 2  # iterations per epoch of the short run (batches of 8)


def train_module():
    spec = importlib.util.spec_from_file_location("train_under_test", pathlib.Path.cwd() / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def digits(inputs):
    return [Image.fromarray(d.numpy(), mode="L") for d in inputs["digits"]]


def apply_transforms(train_tf, val_tf, inputs):
    """The val transform on every digit; the train transform on every digit after torch.manual_seed(seed)."""
    images = digits(inputs)
    out = {"val": [val_tf(i) for i in images], "train": []}
    for seed in inputs["seeds"]:
        torch.manual_seed(seed)
        out["train"].append([train_tf(i) for i in images])
    return out


def split(dataset, fractions):
    idx = [int(f * len(dataset)) for f in fractions]
    return {"type": type(dataset).__name__, "len": len(dataset), "targets": torch.as_tensor(dataset.targets).clone(),
            "idx": idx, "data": torch.stack([torch.as_tensor(dataset.data[i]) for i in idx])}


def run(name, inputs):
    train = train_module()
    if name == "transforms":
        return apply_transforms(*train.get_transforms(), inputs)
    if name == "model":
        model = train.get_model(10).cpu()
        info = {"type": type(model).__name__}
        model.load_state_dict(inputs["model"]["state_dict"], strict=True)
        with torch.no_grad():
            info["logits"] = model.eval()(inputs["model"]["x"]).clone()
        return info
    if name == "datasets":
        train_set, test_set = train.get_datasets()
        train_loader, val_loader = train.get_dataloaders(2, 8, 0)
        return {"train": split(train_set, inputs["fractions"]), "test": split(test_set, inputs["fractions"]),
                "train_loader": split(train_loader.dataset, inputs["fractions"]),
                "val_loader": split(val_loader.dataset, inputs["fractions"])}
    if name == "short_run":  # run_training at a tiny size in a scratch folder (./data linked); what it wrote
        here = pathlib.Path.cwd()
        with tempfile.TemporaryDirectory() as scratch:
            os.symlink(here / "data", pathlib.Path(scratch) / "data")
            os.chdir(scratch)
            try:
                train.run_training(num_epochs=2, iterations_per_epoch=SHORT_RUN, batch_size=8, num_workers=0)
                state = torch.load("best_model.pth", map_location="cpu", weights_only=True)
                with open("train_metrics.json") as f:
                    metrics = json.load(f)
            finally:
                os.chdir(here)
        return {"metrics": metrics, "tracked": sorted({int(v) for k, v in state.items()
                                                       if k.endswith("num_batches_tracked")})}
    raise KeyError(name)
