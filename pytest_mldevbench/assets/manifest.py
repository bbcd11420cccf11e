"""The asset manifest: every dataset and pretrained model the tasks use, its real source and smoke generator.

Kinds:
- `archive`: files served over plain HTTP at `{assets_url}/<name>/<file>` (`{url:NAME}` names the first file).
- `torchvision`: files the taskenv_site hook redirects torchvision's dataset classes to (also served as archives).
- `torch_weights`: files placed in the read-only `TORCH_HOME/hub/checkpoints/`; never offered for download.
- `hf`: a Hugging Face repo served by the endpoint under `repo_id` (unless `hf_published` is False).
- `missing`: a path that answers 404 in both profiles.
- `private`: grader-side files only (hidden evaluation splits, sources of per-task bundles); never served.
  In `full`, a private bundle with `full_from` is cut from those real assets on first use (smokegen.main
  --derive, in the task environment); a `smoke_only` one is not used (its validator reads the real asset).
"""
from __future__ import annotations

from dataclasses import dataclass, field

HF = "https://huggingface.co"
TV = "https://download.pytorch.org/models"


@dataclass(frozen=True)
class Asset:
    name: str
    kind: str
    files: tuple[str, ...] = ()
    real_source: str = ""               # URL (or URL prefix for several files) or hub id
    real_checksums: dict = field(default_factory=dict)  # file -> "md5:<hex>" / "sha256-prefix:<hex>" (known facts)
    generator_seed: int = 0
    generator_modules: tuple[str, ...] = ()  # smokegen modules whose source keys the cache
    deps: tuple[str, ...] = ()
    repo_id: str = ""
    hf_published: bool = True
    torchvision_class: str = ""
    real_files: tuple[str, ...] = ()    # hf: the real repo's file list where it differs from the smoke one
    full_from: tuple[str, ...] = ()     # the real assets its full-profile bundle is derived from (at prepare)
    smoke_only: bool = False            # private: a smoke stand-in for a real source, not used in full
    note: str = ""

    @property
    def url_file(self) -> str:
        return self.files[0] if self.files else ""


def _tv(name, file, seed, note=""):
    prefix = file.split("-")[-1].split(".")[0]
    return Asset(name, "torch_weights", (file,), f"{TV}/{file}", {file: f"sha256-prefix:{prefix}"}, seed,
                 ("tvweights",), note=note)


def _hf(name, repo_id, files, seed, published=True, note="", real_files=()):
    return Asset(name, "hf", tuple(files), repo_id, {}, seed, ("hfmodels", "boolq", "evaldebug"), repo_id=repo_id,
                 hf_published=published, note=note, real_files=tuple(real_files))


ASSETS: tuple[Asset, ...] = (
    Asset("imagenette2-160", "archive", ("imagenette2-160.tgz",),
          "https://s3.amazonaws.com/fast-ai-imageclas/imagenette2-160.tgz", {}, 160, ("imagenette", "draw")),
    Asset("missing-dataset", "missing", (), "https://github.com/ml-dev-bench/cdh-dataset-download"),
    Asset("cifar-10", "torchvision", ("cifar-10-python.tar.gz",),
          "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
          {"cifar-10-python.tar.gz": "md5:c58f30108f718f92721af3b95e74349a"}, 10, ("cifar", "draw", "fit"),
          torchvision_class="CIFAR10"),
    Asset("cifar-100", "torchvision", ("cifar-100-python.tar.gz",),
          "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
          {"cifar-100-python.tar.gz": "md5:eb9058c3a382ffc7106e4002c42a8d85"}, 100, ("cifar", "draw", "fit"),
          torchvision_class="CIFAR100"),
    Asset("mnist", "torchvision", ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                   "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
          "https://ossci-datasets.s3.amazonaws.com/mnist/",
          {"train-images-idx3-ubyte.gz": "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",
           "train-labels-idx1-ubyte.gz": "md5:d53e105ee54ea40749a09fcbcd1e9432",
           "t10k-images-idx3-ubyte.gz": "md5:9fb629c4189551a2d022fa330f9573f3",
           "t10k-labels-idx1-ubyte.gz": "md5:ec29112dd5afa0611ce80d1b7f02629c"}, 28, ("mnist", "draw", "fit"),
          torchvision_class="MNIST"),
    Asset("voc2012-seg", "torchvision", ("VOCtrainval_11-May-2012.tar",),
          "https://thor.robots.ox.ac.uk/pascal/VOC/voc2012/VOCtrainval_11-May-2012.tar",
          {"VOCtrainval_11-May-2012.tar": "md5:6cd6e144f989b92b3379bac3b3de84fd"}, 2012, ("voc", "draw"),
          torchvision_class="VOCSegmentation"),
    Asset("boolq", "archive", ("BoolQ.zip",), "https://dl.fbaipublicfiles.com/glue/superglue/data/v2/BoolQ.zip",
          {}, 42, ("boolq",)),
    Asset("boolq-evaldebug", "archive", ("BoolQ.zip", "BoolQ-variant.zip"), "", {}, 7, ("boolq", "evaldebug"),
          deps=("hf-tinybert-boolq",), full_from=("boolq",),
          note="bert_eval_debug's data; smoke: generated; full: the real BoolQ's train and val members (not the "
               "raw archive: its val split is boolq_performance's hidden evaluation split there)"),
    Asset("boolq-p5", "private", ("BoolQ.zip",), "", {}, 5, ("boolq", "boolq_perf"),
          smoke_only=True,
          note="boolq_performance's smoke source in the real layout (full: the real `boolq`); grader-only"),
    Asset("imagenette2-160-p2", "private", ("imagenette2-160.tgz",), "", {}, 2, ("imagenette_perf", "imagenette", "draw"),
          smoke_only=True,
          note="full_train_workflow_performance_test's smoke source in the real layout (full: the real "
               "`imagenette2-160`); the task serves a derived copy without its withheld val images"),
    Asset("voc2012-seg-p4", "private", ("VOCtrainval_11-May-2012.tar",), "", {}, 4, ("voc_perf", "voc", "draw"),
          smoke_only=True,
          note="improve_segmentation_baseline's smoke source in the real layout (full: the real `voc2012-seg`)"),
    Asset("cifar10-improve", "private", ("cifar-10-batches-py/data_batch_1", "cifar-10-batches-py/batches.meta",
                                         "eval/test_batch", "pretrained_baseline.ckpt"), "", {}, 11,
          ("perf", "cifar", "draw", "fit"),
          note="improve_cifar10_baseline's bundle; full: its pretrained_baseline.ckpt is made once on a GPU by the "
               "workspace's train_baseline.py as shipped on the real batches (best val_acc epoch), placed in "
               "full/cifar10-improve/real/files/ with a meta.json, and its test accuracy written into task.toml "
               "(the batches and test_batch come from `cifar-10`); smoke: the batches, the hidden eval/test_batch "
               "and an 8-step baseline checkpoint"),
    Asset("cifar10-lt", "private", ("cifar-10-lt/train_lt", "cifar-10-lt/val_balanced", "eval/test_batch"), "", {},
          12, ("perf", "cifar", "draw", "fit"), full_from=("cifar-10",),
          note="cifar_10_lt_performance's bundle: long-tailed train, balanced local val, hidden eval/test_batch"),
    Asset("cifar100-p6", "private", ("cifar-100-python/train", "cifar-100-python/meta", "eval/test"), "", {}, 13,
          ("perf", "cifar", "draw", "fit"), full_from=("cifar-100",),
          note="cifar100_performance's bundle: train + meta for the workspace, hidden eval/test"),
    _tv("tv-resnet18", "resnet18-f37072fd.pth", 18),
    _tv("tv-resnet50", "resnet50-0676ba61.pth", 50, "IMAGENET1K_V1, the fcn_resnet50 backbone"),
    _tv("tv-resnet50-v2", "resnet50-11ad3fa6.pth", 51, "IMAGENET1K_V2 (Part 4 zoo)"),
    Asset("tv-fcn-resnet50", "torch_weights", ("fcn_resnet50_coco-1167a1af.pth",),
          f"{TV}/fcn_resnet50_coco-1167a1af.pth", {"fcn_resnet50_coco-1167a1af.pth": "sha256-prefix:1167a1af"}, 52,
          ("tvweights",), deps=("tv-resnet50",),
          note="fcn_resnet50's COCO_WITH_VOC_LABELS_V1; smoke: the backbone stand-in with seeded FCN and aux heads"),
    Asset("timm-vit-small-patch16-224-augreg", "hf", ("config.json", "model.safetensors"),
          "timm/vit_small_patch16_224.augreg_in21k_ft_in1k", {}, 22, ("timmzoo",),
          repo_id="timm/vit_small_patch16_224.augreg_in21k_ft_in1k",
          note="Part 4 zoo; smoke: the real ViT-S/16 architecture, seeded random float16 weights"),
    Asset("timm-convnext-tiny-fb-in22k", "hf", ("config.json", "model.safetensors"),
          "timm/convnext_tiny.fb_in22k_ft_in1k", {}, 28, ("timmzoo",), repo_id="timm/convnext_tiny.fb_in22k_ft_in1k",
          note="Part 4 zoo; smoke: the real ConvNeXt-T architecture, seeded random float16 weights"),
    _hf("hf-bert-base-uncased", "bert-base-uncased",
        ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt"), 101),
    _hf("hf-tinybert-general-4l-312d", "huawei-noah/TinyBERT_General_4L_312D",
        ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt"), 0,
        real_files=("config.json", "pytorch_model.bin", "vocab.txt"), note="real file list unverified"),
    _hf("hf-tinybert-boolq", "harshith2794/tinybert-boolq",
        ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
         "special_tokens_map.json"), 3, published=False,
        note="copied into bert_eval_debug's workspace via reference(); never served"),
    _hf("hf-dinov2-small", "facebook/dinov2-small", ("config.json", "model.safetensors", "preprocessor_config.json"),
        14),
    _hf("hf-mobilenet-v2", "google/mobilenet_v2_1.0_224",
        ("config.json", "model.safetensors", "preprocessor_config.json"), 224),
)

BY_NAME = {a.name: a for a in ASSETS}

MISSING_PATH = "ml-dev-bench/cdh-dataset-download"
MISSING_ASSET = "missing-dataset"  # the asset whose URL is MISSING_PATH


def get(name: str) -> Asset:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown asset {name!r}; known: {', '.join(sorted(BY_NAME))}") from None


def order() -> list[Asset]:
    """Assets with dependencies after what they depend on."""
    done, out = set(), []

    def visit(a: Asset):
        if a.name in done:
            return
        for d in a.deps + a.full_from:
            visit(BY_NAME[d])
        done.add(a.name)
        out.append(a)
    for a in ASSETS:
        visit(a)
    return out
