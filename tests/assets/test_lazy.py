"""The asset service builds only what the collected tasks need, once per machine (fresh caches here)."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from pytest_mldevbench.assets import AssetService
from pytest_mldevbench.assets.service import needed_assets, task_assets
from pytest_mldevbench.tasks import load_task

REPO = Path(__file__).resolve().parents[2]


def built(cache: Path) -> set[str]:
    """Assets with a finished cache entry."""
    return {p.parent.parent.name for p in (cache / "smoke").glob("*/*/meta.json")}


def test_task_assets_come_from_task_toml_and_url_placeholders():
    assert task_assets(load_task(REPO / "cases" / "dataset" / "noisy_dataset_download")) == ["imagenette2-160"]
    fake = SimpleNamespace(assets=("mnist",), prompt_template="get {url:boolq} and {url:mnist}; {hf_endpoint}")
    assert task_assets(fake) == ["mnist", "boolq"]
    assert task_assets(load_task(REPO / "cases" / "extras" / "hello_world")) == []


def test_nothing_is_built_until_a_task_asks(task_python, tmp_path):
    logs = []
    svc = AssetService.start("smoke", tmp_path, task_python=task_python, log=logs.append, assets=())
    try:
        assert built(tmp_path) == set() and not logs
        assert list((svc.torch_home("t0") / "hub" / "checkpoints").iterdir()) == []
        svc.require_for(SimpleNamespace(assets=(), prompt_template="Download {url:boolq}."))
        assert built(tmp_path) == {"boolq"}
        svc.admit("t1", ["boolq"])
        url = svc.placeholders("t1")["url:boolq"]
        assert urllib.request.urlopen(url, timeout=60).read() == (svc.reference("boolq") / "BoolQ.zip").read_bytes()
        meta = tmp_path / "smoke" / "boolq" / svc.store.key(svc.served_assets()[0]) / "meta.json"
        stamp = meta.stat().st_mtime_ns
        svc.require(["boolq"])  # already there: not generated again
        assert meta.stat().st_mtime_ns == stamp and sum("generating boolq" in m for m in logs) == 1
        with pytest.raises(KeyError, match="unknown asset 'no-such'"):
            svc.require(["no-such"])
    finally:
        svc.stop()


def test_an_undeclared_asset_is_refused_and_never_built(task_python, tmp_path):
    """Nothing is built on request: a trial's request for an asset its task does not list is a logged 404."""
    svc = AssetService.start("smoke", tmp_path, task_python=task_python, assets=())
    try:
        svc.admit("t2", ["mnist"])  # its task lists mnist only (not built: nothing required it)
        for name in ("boolq", "mnist"):
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(svc.placeholders("t2")[f"url:{name}"], timeout=60)
            assert err.value.code == 404
        assert built(tmp_path) == set()
        assert [(e["path"], e["status"], e.get("refused")) for e in svc.access_log("t2")] == [
            ("/boolq/BoolQ.zip", 404, True), ("/mnist/train-images-idx3-ubyte.gz", 404, None)]  # its own: not found
    finally:
        svc.stop()


def test_needed_assets_add_the_graders_own():
    """A performance task serves none of the archives its hidden split comes from; the grader's are built too."""
    task = load_task(REPO / "cases" / "performance" / "boolq_performance")
    assert task_assets(task) == ["hf-tinybert-general-4l-312d"]
    assert needed_assets(task) == ["boolq-p5", "boolq", "hf-tinybert-general-4l-312d"]


WORKER = """
import json, sys
from pathlib import Path
from pytest_mldevbench.assets import AssetService
logs = []
svc = AssetService.start("smoke", Path(sys.argv[1]), task_python=sys.argv[2], log=logs.append, assets=["boolq"])
print(json.dumps({"logs": logs, "sha": svc.meta("boolq")["files"]["BoolQ.zip"]["sha256"]}))
svc.stop()
"""


def test_two_workers_generate_an_asset_once(task_python, tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(tmp_path), task_python], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    a, b = (json.loads(o[0].strip().splitlines()[-1]) for o in outs)
    assert sum("generating boolq" in m for m in a["logs"] + b["logs"]) == 1
    assert a["sha"] == b["sha"] and built(tmp_path) == {"boolq"}


def test_services_prepare_a_trial_with_its_tasks_assets_only(task_python, tmp_path, monkeypatch):
    """`Services.assets(task)` as a trial's prepare step calls it; the grader's later calls reuse it."""
    from pytest_mldevbench import services as services_mod
    monkeypatch.setattr(services_mod.taskenv, "cache_root", lambda: tmp_path)
    monkeypatch.setattr(services_mod.Services, "task_python", lambda self: Path(task_python))
    services = services_mod.Services(SimpleNamespace(profile="smoke"), {})
    try:
        task = SimpleNamespace(assets=["boolq"], prompt_template="Use {url:boolq}.")
        svc = services.assets(task)
        assert [a.name for a in svc.served_assets()] == ["boolq"] and built(tmp_path / "assets") == {"boolq"}
        assert services.assets() is svc and built(tmp_path / "assets") == {"boolq"}
    finally:
        services.stop()
