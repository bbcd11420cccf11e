"""The asset service builds only what the collected tasks need, once per machine (fresh caches here)."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from pytest_mldevbench.assets import AssetService
from pytest_mldevbench.assets.service import task_assets
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
        assert list((svc.torch_home / "hub" / "checkpoints").iterdir()) == []
        svc.require_for(SimpleNamespace(assets=(), prompt_template="Download {url:boolq}."))
        assert built(tmp_path) == {"boolq"}
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


def test_an_undeclared_asset_is_built_on_its_first_request(task_python, tmp_path):
    svc = AssetService.start("smoke", tmp_path, task_python=task_python, assets=())
    try:
        url = svc.placeholders("t2")["url:boolq"]  # the task did not declare it
        body = urllib.request.urlopen(url, timeout=600).read()
        assert built(tmp_path) == {"boolq"}
        assert body == (svc.reference("boolq") / "BoolQ.zip").read_bytes()
        assert [e["status"] for e in svc.access_log("t2")] == [200]
    finally:
        svc.stop()


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
