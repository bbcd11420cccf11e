"""Validator for improve_segmentation_baseline: mIoU recomputed from model_weights.pt on hidden VOC images.

What the agent gets is derived from the profile's source tar (smoke: the generated `voc2012-seg-p4`; full:
the real `voc2012-seg`): the official train ids, of which the last HOLDOUT form the local `val.txt`. The
official val ids (images and masks) are the hidden evaluation set, kept in the grader's asset cache. The
derivation is deterministic and cached next to the source. Grading runs no agent code: hidden seg_eval.py
loads the weights with weights_only=True, strictly into the grader's own fcn_resnet50.
"""
import json
import math
import shutil
import tarfile
from pathlib import Path

from pytest_mldevbench.errors import GradingError, InfrastructureError
from pytest_mldevbench.refcache import built_once

SOURCE = {"smoke": "voc2012-seg-p4", "full": "voc2012-seg"}
TAR = "VOCtrainval_11-May-2012.tar"
ROOT = "VOCdevkit/VOC2012"
HOLDOUT = {"smoke": 30, "full": 200}
DERIVED_VERSION = "perf-p4-v1"
EVAL_DIR = "_mldb_eval"
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


def derived(trial) -> Path:
    source_dir = trial.asset_reference(SOURCE[trial.profile])
    return built_once(source_dir.parent / f"derived-{DERIVED_VERSION}",
                      lambda out: derive(source_dir / TAR, out, HOLDOUT[trial.profile]))


def prepare_workspace(trial):
    """data/VOCdevkit/VOC2012 with the train ids and the local val split (no official val image)."""
    dest = trial.workspace / "data"
    shutil.copytree(derived(trial) / "workspace", dest, dirs_exist_ok=True)
    for p in [dest, *dest.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    return None



def check_output_info(trial, work) -> None:
    path = work / "output_info.json"
    try:
        info = json.loads(path.read_text(encoding="utf-8")) if path.is_file() and not path.is_symlink() \
            and path.stat().st_size < 1_000_000 else None
    except (OSError, ValueError):
        info = None
    num = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)  # noqa: E731
    ok = (isinstance(info, dict) and all(info.get(k) == v for k, v in INFO.items())
          and num(info.get("mean_iou")) and 0 <= info["mean_iou"] <= 1
          and num(info.get("training_time")) and info["training_time"] > 0)
    trial.check("output_info.json has the required keys and values (structure only; mean_iou is not trusted)",
                ok, f"output_info.json: {str(info)[:400]}")


def test_improve_segmentation_baseline(trial):
    work = trial.grading_dir
    check_output_info(trial, work)
    evaluation = derived(trial) / "eval"
    eval_dir = work / EVAL_DIR
    if eval_dir.is_symlink() or eval_dir.is_file():
        eval_dir.unlink()
    elif eval_dir.exists():
        shutil.rmtree(eval_dir)
    shutil.copytree(evaluation, eval_dir)
    try:
        res = trial.run_hidden_python("seg_eval.py", "model_weights.pt", EVAL_DIR, str(MAX_BYTES),
                                      timeout=trial.threshold("eval_timeout_s"), gpu=trial.resources.gpus > 0)
    except GradingError as exc:
        res = {"loaded": False, "why": str(exc), "miou": None}
    finally:
        shutil.rmtree(eval_dir, ignore_errors=True)
    trial.check("model_weights.pt loads (weights_only) strictly into fcn_resnet50 with finite values",
                res.get("loaded"), res.get("why"))
    target = trial.threshold("miou")
    miou = res.get("miou")
    trial.check(f"hidden-set mIoU >= {target:g}", isinstance(miou, float) and miou >= target,
                f"mIoU {miou}" if miou is not None else res.get("why"), value=miou)
