"""Judge of shape_mismatch_train (trusted: runs no agent code): get_model, validate and the transforms of the
agent's train.py, observed on inputs drawn at grading, against torchvision's MobileNetV2, a reference
validation loop and the reference resize of the same digits (what a transformed digit must be: image_spec.py).
(get_datasets is judged against the served MNIST files by check_artifacts.py, which may read the asset.)"""
import torch
import torch.nn as nn
from mldb_judge import Checks, close
from torchvision import transforms
from torchvision.models import mobilenet_v2
from PIL import Image

from image_spec import TRANSFORMS_CHECK, digit_image
from probes import validate_fixture


def inputs(seed, profile):
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(int(torch.randint(2**31, (1,), generator=generator)))
    model = mobilenet_v2(weights=None, num_classes=10)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=generator) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
    fixture = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 24), nn.BatchNorm1d(24), nn.ReLU(), nn.Dropout(0.5),
                            nn.Linear(24, 10))
    with torch.no_grad():
        for p in fixture.parameters():
            p.copy_(torch.randn(p.shape, generator=generator) * 0.5)
        fixture[2].running_mean.copy_(torch.randn(24, generator=generator))
        fixture[2].running_var.copy_(torch.rand(24, generator=generator) + 0.5)
    x = torch.randn(96, 3, 8, 8, generator=generator)
    with torch.no_grad():
        labels = fixture.eval()(x).argmax(dim=1)
    wrong = torch.rand(96, generator=generator) < 0.4
    labels[wrong] = torch.randint(0, 10, (int(wrong.sum()),), generator=generator)
    digits = torch.zeros(4, 28, 28, dtype=torch.uint8)
    for d in digits:
        top, left = torch.randint(2, 12, (2,), generator=generator).tolist()
        d[top:top + 14, left:left + 5] = torch.randint(120, 256, (14, 5), generator=generator, dtype=torch.uint8)
        d[top:top + 4, left:left + 12] = torch.randint(120, 256, (4, 12), generator=generator, dtype=torch.uint8)
    return {"probes": ["model", "validate", "transforms", "datasets"],
            "model": {"state_dict": model.state_dict(), "x": torch.randn(2, 3, 32, 32, generator=generator)},
            "validate": {"state_dict": fixture.state_dict(), "x": x, "labels": labels}, "digits": digits,
            "fractions": torch.rand(16, generator=generator, dtype=torch.float64).tolist()}


def reference_validate(model, loader):
    model.eval()
    total, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for x, labels in loader:
            out = model(x)
            total += nn.functional.cross_entropy(out, labels).item()
            correct += (out.argmax(dim=1) == labels).sum().item()
            seen += labels.numel()
    return total / len(loader), 100.0 * correct / seen


def correlation(a, b):
    a, b = a.double().flatten() - a.double().mean(), b.double().flatten() - b.double().mean()
    return float((a * b).sum() / (a.norm() * b.norm() + 1e-12))


def judge(inputs, observed, profile):
    checks = Checks()
    with checks.check("get_model(10) is torchvision's MobileNetV2 with its 3-channel stem and a 1280→10 head "
                      "(its logits equal torchvision's on weights drawn at grading)"):
        got = observed.need("model")
        assert got["type"] == "MobileNetV2", f"get_model returned a {got['type']}"
        reference = mobilenet_v2(weights=None, num_classes=10)
        reference.load_state_dict(inputs["model"]["state_dict"], strict=True)
        with torch.no_grad():
            close(got["logits"], reference.eval()(inputs["model"]["x"]), rtol=1e-4, atol=1e-5, scale_atol=True,
                  what="logits")
    with checks.check("validate() returns the real mean batch loss and accuracy in percent, in eval mode"):
        got = observed.need("validate")
        loss, acc = reference_validate(*validate_fixture(inputs))
        assert 20.0 < acc < 90.0, f"the fixture itself is unsound (accuracy {acc})"
        close(got["loss"], loss, rtol=0, atol=1e-4, what="validation loss")
        close(got["acc"], acc, rtol=0, atol=1e-4, what="validation accuracy")
    with checks.check(TRANSFORMS_CHECK):
        got = observed.need("transforms")
        for i, digit in enumerate(inputs["digits"]):
            val, train = got["val"][i], got["train"][i]
            digit_image(val, f"val transform, digit {i}")
            digit_image(train, f"train transform, digit {i}")
            plain = transforms.Compose([transforms.Resize(val.shape[1]), transforms.ToTensor()])
            expected = plain(Image.fromarray(digit.numpy(), mode="L"))[0]
            for c in range(val.shape[0]):
                assert correlation(val[c], expected) > 0.999, f"val transform, digit {i}, channel {c}: not the digit"
            for c in range(train.shape[0]):
                assert correlation(train[c], train[0]) > 0.999, f"train transform, digit {i}: the channels differ"
            assert float(train.std()) > 0, f"train transform, digit {i}: a constant image"
    return checks
