"""Full-size, seeded random torchvision state dicts under their canonical hub file names."""
from __future__ import annotations

from pathlib import Path


def _save(model, out: Path, name: str) -> dict:
    import torch
    sd = model.state_dict()
    torch.save(sd, out / name)
    return {"file": name, "entries": len(sd), "num_parameters": sum(p.numel() for p in model.parameters()),
            "num_elements": sum(t.numel() for t in sd.values())}


def generate_resnet18(out: Path, seed: int, deps: dict) -> dict:
    """resnet18-f37072fd.pth; BatchNorm running statistics set to seeded non-trivial values."""
    import torch
    import torchvision
    torch.manual_seed(seed)
    model = torchvision.models.resnet18()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.05)
    return _save(model, out, "resnet18-f37072fd.pth")


def _resnet50(seed: int, zero_bn3: bool):
    import torch
    import torchvision
    torch.manual_seed(seed)
    return torchvision.models.resnet50(zero_init_residual=zero_bn3)


def generate_resnet50_v1(out: Path, seed: int, deps: dict) -> dict:
    """resnet50-0676ba61.pth (IMAGENET1K_V1, the FCN backbone): seeded init, zero bn3 gammas."""
    return _save(_resnet50(seed, True), out, "resnet50-0676ba61.pth")


def generate_resnet50_v2(out: Path, seed: int, deps: dict) -> dict:
    """resnet50-11ad3fa6.pth (IMAGENET1K_V2): seeded init."""
    return _save(_resnet50(seed, False), out, "resnet50-11ad3fa6.pth")


def generate_fcn_resnet50_coco(out: Path, seed: int, deps: dict) -> dict:
    """fcn_resnet50_coco-1167a1af.pth (COCO_WITH_VOC_LABELS_V1: 21 classes, aux classifier): the backbone is the
    smoke IMAGENET1K_V1 stand-in (`deps["tv-resnet50"]`), the FCN and aux heads a seeded init; the keys, shapes
    and dtypes of torchvision's published file."""
    import torch
    from torchvision.models.segmentation import fcn_resnet50
    torch.manual_seed(seed)
    model = fcn_resnet50(weights=None, weights_backbone=None, num_classes=21, aux_loss=True)
    backbone = torch.load(deps["tv-resnet50"] / "resnet50-0676ba61.pth", map_location="cpu", weights_only=True)
    missing, unexpected = model.backbone.load_state_dict(
        {k: v for k, v in backbone.items() if not k.startswith("fc.")}, strict=False)
    if missing or unexpected:
        raise RuntimeError(f"backbone keys: missing {missing}, unexpected {unexpected}")
    return _save(model, out, "fcn_resnet50_coco-1167a1af.pth")
