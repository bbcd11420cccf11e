"""Validator for improve_segmentation_baseline: mIoU recomputed from model_weights.pt on hidden VOC images.

What the agent gets is derived from the profile's source tar (smoke: the generated `voc2012-seg-p4`; full:
the real `voc2012-seg`): the official train ids, of which the last HOLDOUT form the local `val.txt`. The
official val ids (images and masks) are the hidden evaluation set, kept in the grader's asset cache. The
derivation is deterministic and cached next to the source. Grading runs no agent code: a bounded copy of
model_weights.pt goes to a judge, hidden/seg_eval.py, which loads it with weights_only=True, strictly into the
grader's own fcn_resnet50, and computes the mIoU on the hidden set.
"""
import json
import shutil
import tarfile
from pathlib import Path

from pytest_mldevbench.errors import InfrastructureError
from pytest_mldevbench.refcache import built_once

SOURCE = {"smoke": "voc2012-seg-p4", "full": "voc2012-seg"}
TAR = "VOCtrainval_11-May-2012.tar"
ROOT = "VOCdevkit/VOC2012"
HOLDOUT = {"smoke": 30, "full": 200}
DERIVED_VERSION = "perf-p4-v1"
MAX_BYTES = 400 * 1024 * 1024
INFO = {"model_name": "torchvision.models.segmentation.fcn_resnet50",
        "dataset_info": {"year": "2012", "image_set": "val", "num_classes": 21}}


def derive(source: Path, out: Path, holdout: int) -> None:
    """workspace/VOCdevkit/VOC2012/{JPEGImages,SegmentationClass,ImageSets/Segmentation/{train,val}.txt} and
    eval/{images,masks} (official val), streamed from the tar."""
    with tarfile.open(source, "r:") as tar:
        lists = {}
        for name in ("train", "val"):
            f = tar.extractfile(f"{ROOT}/ImageSets/Segmentation/{name}.txt")
            lists[name] = [x.strip() for x in f.read().decode().split() if x.strip()]
    train_all, hidden = lists["train"], set(lists["val"])
    train, local = train_all[:-holdout], train_all[-holdout:]
    given = set(train_all)
    ws, ev = out / "workspace" / ROOT, out / "eval"
    for d in (ws / "JPEGImages", ws / "SegmentationClass", ws / "ImageSets" / "Segmentation", ev / "images",
              ev / "masks"):
        d.mkdir(parents=True)
    found = 0
    with tarfile.open(source, "r:") as tar:
        for m in tar:
            parts = m.name.split("/")
            if not m.isfile() or len(parts) != 4 or parts[2] not in ("JPEGImages", "SegmentationClass"):
                continue
            stem = parts[3].rsplit(".", 1)[0]
            if stem in given:
                dest = ws / parts[2] / parts[3]
            elif stem in hidden:
                dest = ev / ("images" if parts[2] == "JPEGImages" else "masks") / parts[3]
            else:
                continue
            dest.write_bytes(tar.extractfile(m).read())
            found += 1
    if found != 2 * (len(given) + len(hidden)):
        raise InfrastructureError(f"{source}: expected {2 * (len(given) + len(hidden))} images and masks, found {found}")
    (ws / "ImageSets" / "Segmentation" / "train.txt").write_text("".join(i + "\n" for i in train))
    (ws / "ImageSets" / "Segmentation" / "val.txt").write_text("".join(i + "\n" for i in local))
    (out / "split.json").write_text(json.dumps({"train": len(train), "local_val": len(local), "hidden": len(hidden)}))


def derived(grading) -> Path:
    source_dir = grading.asset_reference(SOURCE[grading.profile])
    return built_once(source_dir.parent / f"derived-{DERIVED_VERSION}",
                      lambda out: derive(source_dir / TAR, out, HOLDOUT[grading.profile]))


def prepare_workspace(grading):
    """data/VOCdevkit/VOC2012 with the train ids and the local val split (no official val image)."""
    dest = grading.workspace / "data"
    shutil.copytree(derived(grading) / "workspace", dest, dirs_exist_ok=True)
    for p in [dest, *dest.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    return None




def test_improve_segmentation_baseline(grading):
    info = grading.read_json(grading.snapshot / "output_info.json")
    info = info if isinstance(info, dict) else {}
    grading.check("output_info.json has the required keys and values (structure only; mean_iou is not trusted)",
                  all(info.get(k) == v for k, v in INFO.items()) and 0 <= (grading.number(info.get("mean_iou")) or -1) <= 1
                  and (grading.number(info.get("training_time")) or 0) > 0, f"output_info.json: {str(info)[:400]}")
    copy = grading.collect(grading.snapshot / "model_weights.pt", limit=MAX_BYTES)  # a regular file, bounded
    evaluation = derived(grading) / "eval"
    res = grading.reference("seg_eval.py", str(copy / "model_weights.pt"), str(evaluation), str(MAX_BYTES),
                            read=[copy, evaluation], timeout=grading.threshold("eval_timeout_s"))
    grading.check("model_weights.pt loads (weights_only) strictly into fcn_resnet50 with finite values",
                  res.get("loaded"), res.get("why"))
    target, miou = grading.threshold("miou"), grading.number(res.get("miou"))
    grading.check(f"hidden-set mIoU >= {target:g}", miou is not None and miou >= target,
                  f"mIoU {miou}" if miou is not None else res.get("why"), value=miou)
