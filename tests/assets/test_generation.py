"""Generation is deterministic (same bytes in a fresh cache) and safe when processes race for one asset."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_mldevbench.assets import manifest
from pytest_mldevbench.assets.store import Store

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["boolq", "mnist", "voc2012-seg", "hf-tinybert-general-4l-312d", "tv-resnet18"])
def test_regeneration_is_byte_identical(svc, task_python, tmp_path, name):
    asset = manifest.get(name)
    fresh = Store(tmp_path, "smoke", task_python)
    fresh.ensure(asset)
    assert fresh.key(asset) == svc.store.key(asset)
    assert fresh.meta(asset)["files"] == svc.meta(name)["files"]
    assert fresh.meta(asset)["recorded"] == svc.meta(name)["recorded"]


def test_every_dataset_archive_is_small(svc):
    """<= ~10 MB each; the CIFAR tarballs hold 3,500-4,000 incompressible 32x32 images, hence the 12 MB cap."""
    for a in manifest.ASSETS:
        if a.kind in ("archive", "torchvision"):
            for f, d in svc.meta(a.name)["files"].items():
                assert d["size"] <= (12e6 if a.name.startswith("cifar") else 10e6), (a.name, f, d["size"])


def test_concurrent_processes_generate_once(task_python, tmp_path):
    code = ("import json, sys; from pathlib import Path; from pytest_mldevbench.assets import manifest; "
            "from pytest_mldevbench.assets.store import Store; s = Store(Path(sys.argv[1]), 'smoke', sys.argv[2]); "
            "d = s.ensure(manifest.get('boolq')); print(json.dumps([str(d), s.meta(manifest.get('boolq'))['files']]))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path), task_python], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    results = [json.loads(o[0].strip().splitlines()[-1]) for o in outs]
    assert results[0] == results[1]
    assert [p.name for p in (tmp_path / "smoke" / "boolq").iterdir() if not p.name.startswith(".")] == \
        [Path(results[0][0]).name]
