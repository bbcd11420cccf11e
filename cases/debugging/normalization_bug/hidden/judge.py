"""Judge of normalization_bug (trusted: runs no agent code): the agent's transforms and get_model, observed on
inputs drawn at grading, against the reference pipelines (mnist_reference.py) and torchvision's MobileNetV2.
(get_datasets/get_dataloaders are judged against the served MNIST files by eval_ckpt.py, which may read them.)"""
import torch
import torch.nn as nn
from mldb_judge import Checks, close

import mnist_reference as ref
from probes import apply_transforms


def inputs(seed, profile):
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(int(torch.randint(2**31, (1,), generator=generator)))
    model = ref.model(10)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=generator) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
    digits = torch.zeros(6, 28, 28, dtype=torch.uint8)
    for d in digits:
        top, left = torch.randint(2, 12, (2,), generator=generator).tolist()
        d[top:top + 14, left:left + 5] = torch.randint(120, 256, (14, 5), generator=generator, dtype=torch.uint8)
        d[top:top + 4, left:left + 12] = torch.randint(120, 256, (4, 12), generator=generator, dtype=torch.uint8)
    return {"probes": ["transforms", "model", "datasets"], "digits": digits,
            "seeds": torch.randint(2**31, (2,), generator=generator).tolist(),
            "model": {"state_dict": model.state_dict(), "x": torch.randn(2, 3, 32, 32, generator=generator)},
            "fractions": torch.rand(16, generator=generator, dtype=torch.float64).tolist()}


def judge(inputs, observed, profile):
    checks = Checks()
    expected = apply_transforms(ref.train_transform(), ref.val_transform(), inputs)
    with checks.check("the validation transform normalises like training (equal to the reference on digits drawn "
                      "at grading)"):
        got = observed.need("transforms")
        for i, (g, e) in enumerate(zip(got["val"], expected["val"])):
            close(g, e, rtol=0, atol=1e-5, what=f"val transform, digit {i}")
    with checks.check("the training transform is unchanged (equal to the given one under the same seeds)"):
        got = observed.need("transforms")
        for s, (gs, es) in enumerate(zip(got["train"], expected["train"])):
            for i, (g, e) in enumerate(zip(gs, es)):
                close(g, e, rtol=0, atol=1e-5, what=f"train transform, seed {s}, digit {i}")
    with checks.check("get_model(10) is torchvision's MobileNetV2 with a 1280→10 head (its logits equal the "
                      "reference's on weights drawn at grading)"):
        got = observed.need("model")
        assert got["type"] == "MobileNetV2", f"get_model returned a {got['type']}"
        reference = ref.model(10)
        reference.load_state_dict(inputs["model"]["state_dict"], strict=True)
        with torch.no_grad():
            close(got["logits"], reference.eval()(inputs["model"]["x"]), rtol=1e-4, atol=1e-5, scale_atol=True,
                  what="logits")
    return checks
