"""Probes of training_files_debug (run in the untrusted process, on the agent's cifar10_classifier package, with
the grader's extracted CIFAR-10 in $MLDB_CIFAR_DIR): the classifier on the judge's weights, what the data
module's splits and loaders give, and a short fit with the given training callbacks."""
import inspect
import os
import tempfile

import torch

DATA = os.path.abspath(os.environ.get("MLDB_CIFAR_DIR", "data"))


def data_module(cls):
    """The data module on the served data, without loader workers where it takes `num_workers` (the original's
    interface has no such argument)."""
    workers = {"num_workers": 0} if "num_workers" in inspect.signature(cls).parameters else {}
    return cls(data_dir=DATA, batch_size=32, **workers)


def model_probe(inputs):
    import lightning.pytorch as L
    from cifar10_classifier.model import CIFAR10Classifier
    model = CIFAR10Classifier()
    prefix = next(iter(model.state_dict())).split(".")[0] + "."  # `model.` as given (the original: `backbone.`)
    model.load_state_dict({f"{prefix}{k}": v for k, v in inputs["backbone"].items()}, strict=True)
    with torch.no_grad():
        logits = model.eval()(inputs["x"]).clone()
    return {"lightning_module": isinstance(model, L.LightningModule), "logits": logits}


def data_probe(inputs):
    from cifar10_classifier.data import CIFAR10DataModule
    dm = data_module(CIFAR10DataModule)
    dm.setup("fit")
    out = {"n_train": len(dm.cifar_train), "n_val": len(dm.cifar_val), "val": [], "train_labels": []}
    for f in inputs["fractions"]:
        image, label = dm.cifar_val[int(f * len(dm.cifar_val))]
        out["val"].append((torch.as_tensor(image).clone(), int(label)))
        out["train_labels"].append(int(dm.cifar_train[int(f * len(dm.cifar_train))][1]))
    out["val_batch"] = torch.as_tensor(next(iter(dm.val_dataloader()))[1]).clone()
    return out


def fit_probe(inputs):
    import lightning.pytorch as L
    import train  # the given, locked training script
    from cifar10_classifier.data import CIFAR10DataModule
    from cifar10_classifier.model import CIFAR10Classifier
    folder = tempfile.mkdtemp()
    os.chdir(folder)
    L.seed_everything(inputs["seeds"][0])
    model = CIFAR10Classifier()
    trainer = L.Trainer(max_epochs=1, accelerator="cpu", logger=False, limit_train_batches=2, limit_val_batches=2,
                        num_sanity_val_steps=0, callbacks=train.make_callbacks(os.path.join(folder, "checkpoints")),
                        enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(model, datamodule=data_module(CIFAR10DataModule))
    metrics = trainer.callback_metrics
    return {"val_loss": float(metrics["val_loss"]), "val_acc": float(metrics["val_acc"]),
            "state_dict": {k.split(".", 1)[1]: v.detach().clone() for k, v in model.state_dict().items()}}


def run(name, inputs):
    return {"model": model_probe, "data": data_probe, "fit": fit_probe}[name](inputs)
