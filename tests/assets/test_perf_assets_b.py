"""Smoke sources of boolq_performance and full_train_workflow_performance_test, and the Imagenette derivation."""
from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
import tarfile
import zipfile
from pathlib import Path

from pytest_mldevbench.assets import manifest
from pytest_mldevbench.assets.store import Store

from .helpers import run_py

REPO = Path(__file__).resolve().parents[2]
IMAGENETTE_CASE = REPO / "cases" / "performance" / "full_train_workflow_performance_test"
SEGMENTATION_CASE = REPO / "cases" / "performance" / "improve_segmentation_baseline"


def _validator(case: Path, name: str):
    spec = importlib.util.spec_from_file_location(f"_perf_validator_{name}", case / f"test_{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_private_assets_are_never_served(svc):
    for name in ("boolq-p5", "imagenette2-160-p2", "voc2012-seg-p4"):
        assert manifest.get(name).kind == "private"
        svc.require([name])
        assert not any(k.startswith(name + "/") for k in svc.mirror.routes.files), name


def test_boolq_p5_is_real_layout_and_tokenizes_without_unk(svc, task_python):
    path = svc.reference("boolq-p5") / "BoolQ.zip"
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["BoolQ/train.jsonl", "BoolQ/val.jsonl"]
        rows = {s: [json.loads(x) for x in zf.read(f"BoolQ/{s}.jsonl").splitlines()] for s in ("train", "val")}
    assert (len(rows["train"]), len(rows["val"])) == (1200, 600)
    for split in rows.values():
        assert {"question", "passage", "idx", "label"} <= set(split[0])
        assert 0.55 <= sum(r["label"] for r in split) / len(split) <= 0.70
    out = run_py(task_python, f"""
        import json, zipfile
        from transformers import AutoTokenizer
        tok = AutoTokenizer.from_pretrained({str(svc.reference("hf-tinybert-general-4l-312d"))!r})
        rows = [json.loads(x) for x in zipfile.ZipFile({str(path)!r}).read("BoolQ/val.jsonl").splitlines()]
        enc = tok([r["question"] for r in rows], [r["passage"] for r in rows], truncation=True, max_length=128)
        print(json.dumps({{"unk": sum(i.count(tok.unk_token_id) for i in enc["input_ids"]),
                           "max_len": max(map(len, enc["input_ids"]))}}))
    """)
    assert out["unk"] == 0 and out["max_len"] < 128  # the oracle's max_length covers every pair


def test_boolq_p5_regenerates_byte_identical(svc, task_python, tmp_path):
    asset = manifest.get("boolq-p5")
    fresh = Store(tmp_path, "smoke", task_python)
    fresh.ensure(asset)
    assert fresh.meta(asset)["files"] == svc.meta("boolq-p5")["files"]


def test_imagenette_p2_source_layout(svc, task_python):
    path = svc.reference("imagenette2-160-p2") / "imagenette2-160.tgz"
    with tarfile.open(path, "r:gz") as tar:
        names = [m.name for m in tar if m.isfile()]
        rows = list(csv.DictReader(io.StringIO(tar.extractfile("imagenette2-160/noisy_imagenette.csv").read().decode())))
    jpegs = [n for n in names if n.endswith(".JPEG")]
    assert len([n for n in jpegs if "/train/" in n]) == 1000 and len([n for n in jpegs if "/val/" in n]) == 750
    assert list(rows[0]) == ["path", "noisy_labels_0", "noisy_labels_1", "noisy_labels_5", "noisy_labels_25",
                             "noisy_labels_50", "is_valid"]
    train = [r for r in rows if r["is_valid"] == "False"]
    assert len(rows) == 1750 and len(train) == 1000
    assert sum(r["noisy_labels_50"] != r["path"].split("/")[1] for r in train) == 500
    assert all(r["noisy_labels_0"] == r["path"].split("/")[1] for r in rows)
    out = run_py(task_python, f"""
        import io, json, tarfile
        from PIL import Image
        with tarfile.open({str(path)!r}, "r:gz") as tar:
            m = next(m for m in tar if m.name.endswith(".JPEG"))
            img = Image.open(io.BytesIO(tar.extractfile(m).read()))
            print(json.dumps({{"mode": img.mode, "size": list(img.size)}}))
    """)
    assert out == {"mode": "RGB", "size": [64, 64]}


def test_imagenette_derivation_withholds_and_is_deterministic(svc, tmp_path):
    v = _validator(IMAGENETTE_CASE, "full_train_workflow_performance_test")
    source = svc.reference("imagenette2-160-p2") / "imagenette2-160.tgz"
    v.derive(source, tmp_path / "a", v.WITHHOLD["smoke"])
    v.derive(source, tmp_path / "b", v.WITHHOLD["smoke"])
    served = tmp_path / "a" / "served" / "imagenette2-160.tgz"
    assert served.read_bytes() == (tmp_path / "b" / "served" / "imagenette2-160.tgz").read_bytes()
    with tarfile.open(served, "r:gz") as tar:
        names = {m.name for m in tar if m.isfile()}
        rows = list(csv.DictReader(io.StringIO(tar.extractfile("imagenette2-160/noisy_imagenette.csv").read().decode())))
    served_val = [n for n in names if "/val/" in n]
    labels = json.loads((tmp_path / "a" / "eval" / "labels.json").read_text())
    assert len(served_val) == 250 and len(labels) == 500 and sorted(set(labels)) == list(range(10))
    assert all(labels.count(c) == 50 for c in range(10))
    assert {r["path"] for r in rows if r["is_valid"] == "True"} == {n[len("imagenette2-160/"):] for n in served_val}
    assert list(rows[0]) == ["path", "noisy_labels_50", "is_valid"]  # the (near-)clean 0/1/5/25 % columns are not
    # served; no path names a class (flat folders, opaque names): the CSV is the only label source
    assert not [n for n in names if re.search(r"n[0-9]{8}", n)]
    assert {n.count("/") for n in names if n.endswith(".JPEG")} == {2}
    assert [r["path"] for r in rows] == sorted(r["path"] for r in rows)
    with tarfile.open(served, "r:gz") as tar:
        served_bytes = {tar.extractfile(m).read() for m in tar if "/val/" in m.name and m.isfile()}
    with tarfile.open(source, "r:gz") as tar:  # the withheld images are exactly the source's val images not served
        withheld = {tar.extractfile(m).read() for m in tar if "/val/" in m.name and m.isfile()} - served_bytes
    assert withheld == {p.read_bytes() for p in (tmp_path / "a" / "eval").glob("*.JPEG")}
    split = json.loads((tmp_path / "a" / "split.json").read_text())
    assert len(split["spot_pairs"]) == 4 and all(p.startswith("train/") for p, _ in split["spot_pairs"])


def test_voc_p4_derivation_keeps_the_hidden_split_out(svc, task_python, tmp_path):
    v = _validator(SEGMENTATION_CASE, "improve_segmentation_baseline")
    v.derive(svc.reference("voc2012-seg-p4") / v.TAR, tmp_path / "d", v.HOLDOUT["smoke"])
    ws = tmp_path / "d" / "workspace" / v.ROOT
    train = (ws / "ImageSets/Segmentation/train.txt").read_text().split()
    local = (ws / "ImageSets/Segmentation/val.txt").read_text().split()
    hidden = {p.stem for p in (tmp_path / "d" / "eval" / "images").glob("*.jpg")}
    assert (len(train), len(local), len(hidden)) == (120, 30, 60)
    assert {p.stem for p in (ws / "JPEGImages").glob("*.jpg")} == set(train) | set(local)
    assert not hidden & {p.stem for p in (ws / "SegmentationClass").glob("*.png")}
    assert {p.stem for p in (tmp_path / "d" / "eval" / "masks").glob("*.png")} == hidden
    out = run_py(task_python, f"""
        import json
        import numpy as np
        from torchvision.datasets import VOCSegmentation
        ds = VOCSegmentation(root={str(tmp_path / "d" / "workspace")!r}, year="2012", image_set="val", download=False)
        img, mask = ds[0]
        m = np.asarray(mask)
        print(json.dumps({{"n": len(ds), "size": list(img.size), "mode": mask.mode,
                           "values": sorted(int(x) for x in np.unique(m))}}))
    """)
    assert out["n"] == 30 and out["size"] == [64, 64] and out["mode"] == "P"
    assert 0 in out["values"] and 255 in out["values"] and all(0 <= x <= 20 or x == 255 for x in out["values"])
