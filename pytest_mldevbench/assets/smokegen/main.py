"""Entry point: generate one smoke asset (or, with --derive, build a full-profile bundle from the real assets it
is derived from) into a directory and print its recorded values as one JSON line."""
from __future__ import annotations

import json
import sys
from pathlib import Path

GENERATORS = {
    "imagenette2-160": ("imagenette", "generate"),
    "cifar-10": ("cifar", "generate_cifar10"),
    "cifar-100": ("cifar", "generate_cifar100"),
    "mnist": ("mnist", "generate"),
    "voc2012-seg": ("voc", "generate"),
    "boolq": ("boolq", "generate"),
    "boolq-evaldebug": ("evaldebug", "generate"),
    "boolq-p5": ("boolq_perf", "generate"),
    "imagenette2-160-p2": ("imagenette_perf", "generate"),
    "voc2012-seg-p4": ("voc_perf", "generate"),
    "cifar10-improve": ("perf", "generate_cifar10_improve"),
    "cifar10-lt": ("perf", "generate_cifar10_lt"),
    "cifar100-p6": ("perf", "generate_cifar100_perf"),
    "timm-vit-small-patch16-224-augreg": ("timmzoo", "generate_vit_small"),
    "timm-convnext-tiny-fb-in22k": ("timmzoo", "generate_convnext_tiny"),
    "tv-resnet18": ("tvweights", "generate_resnet18"),
    "tv-resnet50": ("tvweights", "generate_resnet50_v1"),
    "tv-resnet50-v2": ("tvweights", "generate_resnet50_v2"),
    "tv-fcn-resnet50": ("tvweights", "generate_fcn_resnet50_coco"),
    "hf-bert-base-uncased": ("hfmodels", "generate_bert_base_uncased"),
    "hf-tinybert-general-4l-312d": ("hfmodels", "generate_tinybert_general"),
    "hf-tinybert-boolq": ("hfmodels", "generate_tinybert_boolq"),
    "hf-dinov2-small": ("hfmodels", "generate_dinov2_small"),
    "hf-mobilenet-v2": ("hfmodels", "generate_mobilenet_v2"),
}

# full profile: task bundles cut from real assets (manifest `full_from`; deps name those assets' files)
DERIVERS = {
    "cifar10-lt": ("perf", "derive_cifar10_lt"),
    "cifar100-p6": ("perf", "derive_cifar100_perf"),
    "boolq-evaldebug": ("evaldebug_full", "derive"),
}


def run(asset: str, out: Path, seed: int, deps: dict[str, Path], derive: bool = False) -> dict:
    import importlib
    module, func = (DERIVERS if derive else GENERATORS)[asset]
    out.mkdir(parents=True, exist_ok=True)
    return getattr(importlib.import_module(f"{__package__}.{module}"), func)(out, seed, deps)


def main(argv: list[str]) -> None:
    derive = argv[0] == "--derive"
    asset, out, seed = argv[derive], Path(argv[derive + 1]), int(argv[derive + 2])
    deps = {k: Path(v) for k, v in (a.split("=", 1) for a in argv[derive + 3:])}
    print(json.dumps(run(asset, out, seed, deps, derive), sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
