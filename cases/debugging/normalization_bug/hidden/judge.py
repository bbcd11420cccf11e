"""Judge of normalization_bug (trusted: runs no agent code): the agent's transforms and get_model, observed on
inputs drawn at grading, against the two consistent reference pairs (mnist_reference.py) and torchvision's
MobileNetV2.
(get_datasets/get_dataloaders are judged against the served MNIST files by eval_ckpt.py, which may read them.)"""
import torch
import torch.nn as nn
from mldb_judge import Checks, close

import mnist_reference as ref
from probes import SHORT_RUN, apply_transforms


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
    return {"probes": ["transforms", "model", "datasets", "short_run"], "digits": digits,
            "seeds": torch.randint(2**31, (2,), generator=generator).tolist(),
            "model": {"state_dict": model.state_dict(), "x": torch.randn(2, 3, 32, 32, generator=generator)},
            "fractions": torch.rand(16, generator=generator, dtype=torch.float64).tolist()}


def matches(got, expected):
    """Problems of the observed transforms against one reference pair (empty: they are that pair)."""
    problems = []
    for i, (g, e) in enumerate(zip(got["val"], expected["val"])):
        try:
            close(g, e, rtol=0, atol=1e-5, what=f"val transform, digit {i}")
        except AssertionError as exc:
            problems.append(str(exc))
    for s, (gs, es) in enumerate(zip(got["train"], expected["train"])):
        for i, (g, e) in enumerate(zip(gs, es)):
            try:
                close(g, e, rtol=0, atol=1e-5, what=f"train transform, seed {s}, digit {i}")
            except AssertionError as exc:
                problems.append(str(exc))
    return problems


def judge(inputs, observed, profile):
    checks = Checks()
    with checks.check("training and validation normalise alike: the given training transform with a normalised "
                      "validation transform, or both without Normalize (equal to the reference pair on digits and "
                      "seeds drawn at grading)"):
        got = observed.need("transforms")
        found = {on: matches(got, apply_transforms(ref.train_transform(on), ref.val_transform(on), inputs))
                 for on in ref.PAIRS}
        assert any(not p for p in found.values()), \
            f"neither consistent pair: normalised: {found[True][:2]}; unnormalised: {found[False][:2]}"
    with checks.check("get_model(10) is torchvision's MobileNetV2 with a 1280→10 head (its logits equal the "
                      "reference's on weights drawn at grading)"):
        got = observed.need("model")
        assert got["type"] == "MobileNetV2", f"get_model returned a {got['type']}"
        reference = ref.model(10)
        reference.load_state_dict(inputs["model"]["state_dict"], strict=True)
        with torch.no_grad():
            close(got["logits"], reference.eval()(inputs["model"]["x"]), rtol=1e-4, atol=1e-5, scale_atol=True,
                  what="logits")
    with checks.check(f"a short run_training (2 epochs of {SHORT_RUN} batches of 8) keeps its best epoch's checkpoint: "
                      "best_val_acc is the best val_acc of its history and the BatchNorm layers counted that epoch's "
                      "training batches (checked before the graded run, which checks the same)"):
        got = observed.need("short_run")
        accs = [h["val_acc"] for h in got["metrics"]["metrics_history"]]
        best = got["metrics"]["best_val_acc"]
        assert len(accs) == 2, f"{len(accs)} epochs in metrics_history, expected 2"
        assert best == max(accs), f"best_val_acc {best} is not the best val_acc of the history {accs}"
        epoch = accs.index(best) + 1
        assert got["tracked"] == [SHORT_RUN * epoch], \
            f"the BatchNorm layers counted {got['tracked']} training batches; the best epoch ({epoch}) ends after " \
            f"{SHORT_RUN * epoch}"
    return checks
