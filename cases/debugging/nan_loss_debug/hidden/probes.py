"""Probes of nan_loss_debug (run in the untrusted process, on the agent's train.py): record what training does.

Each probe imports a fresh copy of train.py, records the model's weights at every forward pass (the weights
that produced that step's loss, wherever the callback is called), the inputs and targets the model and the
criterion saw, the criterion's values and what train() returned. The judge recomputes the losses and the gradient steps from these records.
"""
import importlib.util
import inspect
import itertools
import pathlib

import torch
import torch.nn as nn

_count = itertools.count()


def fresh_train():
    """A new copy of train.py (its module-level code, seeds included, runs again)."""
    spec = importlib.util.spec_from_file_location(f"train_under_test_{next(_count)}", pathlib.Path.cwd() / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class RecordingMSE(nn.MSELoss):
    """MSELoss that keeps every value it computed and the targets it saw."""

    def __init__(self):
        super().__init__()
        self.values, self.targets = [], []

    def forward(self, prediction, target):
        loss = super().forward(prediction, target)
        self.values.append(float(loss.detach()))
        self.targets.append(target.detach().flatten().clone())
        return loss


def structure():
    module = fresh_train()
    linears = [m for m in module.model.modules() if isinstance(m, nn.Linear)]
    return {"is_simple_model": isinstance(module.model, module.SimpleModel),
            "linears": [[m.in_features, m.out_features] for m in linears],
            "num_params": sum(p.numel() for p in module.model.parameters()),
            "train_takes_callback": "callback" in inspect.signature(module.train).parameters}


def training(init=None):
    module = fresh_train()
    params = list(module.model.parameters())
    if init is not None:
        with torch.no_grad():
            for p, value in zip(params, init):
                p.fill_(value)
    recorder = RecordingMSE()
    module.criterion = recorder
    seen_inputs, weights, callback = [], [], []

    def on_forward(mod, args, out):
        seen_inputs.append(args[0].detach().flatten().clone())
        weights.append(torch.cat([p.detach().flatten().clone() for p in params]))

    hook = module.model.register_forward_hook(on_forward)

    def on_step(loss):
        callback.append(float(loss.detach() if torch.is_tensor(loss) else loss))

    try:
        returned = module.train(callback=on_step)
    finally:
        hook.remove()
    return {"returned": [float(v) for v in returned], "callback": callback, "criterion": recorder.values,
            "weights": torch.stack(weights) if weights else torch.zeros(0, 2),
            "final": torch.cat([p.detach().flatten().clone() for p in params]),
            "x": torch.stack(seen_inputs) if seen_inputs else torch.zeros(0),
            "t": torch.stack(recorder.targets) if recorder.targets else torch.zeros(0)}


def run(name, inputs):
    if name == "structure":
        return structure()
    if name == "own_init":
        return training()
    return training(inputs["inits"][int(name.split("_")[1])])
