"""A trial's mirror prefix reaches exactly its task's assets: anything else is a 404 logged as refused."""
from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from pytest_mldevbench.assets.service import task_assets
from pytest_mldevbench.tasks import load_task

from .helpers import run_py

REPO = Path(__file__).resolve().parents[2]
BERT = load_task(REPO / "cases" / "training" / "pretrained_bert_base_uncased_load")


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def bert_trial(svc, trial: str) -> dict:
    """Placeholders of a trial of the BERT-loading task, admitted as Trial.prepare admits it."""
    svc.require_for(BERT)
    svc.admit(trial, task_assets(BERT))
    return svc.placeholders(trial)


def test_a_bert_trial_gets_its_model_and_nothing_else(svc):
    ph = bert_trial(svc, "allow-bert")
    base, hf = ph["assets_url"], ph["hf_endpoint"]
    assert status(f"{hf}/bert-base-uncased/resolve/main/config.json") == 200
    foreign = [ph["url:cifar-10"], f"{base}/torchvision/cifar-10-python.tar.gz", f"{base}/cifar-10-python.tar.gz",
               ph["url:boolq"], ph["url:voc2012-seg"], f"{base}/torchvision/VOCtrainval_11-May-2012.tar",
               ph["url:imagenette2-160"], f"{hf}/facebook/dinov2-small/resolve/main/config.json",
               f"{hf}/api/models/facebook/dinov2-small", ph["url:missing-dataset"], f"{base}/no-such/thing"]
    assert [status(u) for u in foreign] == [404] * len(foreign)
    log = svc.access_log("allow-bert")
    assert [e["status"] for e in log] == [200] + [404] * len(foreign)
    assert not log[0].get("refused") and log[0]["asset"] == "hf-bert-base-uncased"
    assert all(e.get("refused") for e in log[1:])
    assert [e["asset"] for e in log[1:6]] == ["cifar-10", "cifar-10", "cifar-10", "boolq", "voc2012-seg"]
    # the torchvision checksum table names only the trial's own torchvision assets (none here)
    table = json.loads(urllib.request.urlopen(f"{base}/torchvision/checksums.json", timeout=60).read())
    assert table == {"profile": "smoke"}
    report = svc.trial_assets("allow-bert")
    assert [e["asset"] for e in report["fetched"]] == ["hf-bert-base-uncased", None]  # the checksums table
    assert len(report["refused"]) == len(foreign) and report["dropped"] == 0 and report["not_found"] == []
    # its TORCH_HOME holds no weights either (the task lists none)
    assert not any((svc.torch_home("allow-bert") / "hub" / "checkpoints").iterdir())


def test_own_assets_are_served_and_a_neighbours_list_is_not_shared(svc):
    svc.require(["cifar-10", "mnist"])
    svc.admit("allow-cifar", ["cifar-10"])
    cifar, bert = svc.placeholders("allow-cifar"), bert_trial(svc, "allow-bert-2")
    assert status(cifar["url:cifar-10"]) == 200 and status(cifar["url:mnist"]) == 404
    assert status(bert["url:cifar-10"]) == 404  # the neighbour's list does not widen this trial's
    table = json.loads(urllib.request.urlopen(cifar["assets_url"] + "/torchvision/checksums.json").read())
    assert set(table) == {"profile", "CIFAR10"}


def test_a_served_folder_reaches_only_the_trial_that_served_it(svc, tmp_path):
    (tmp_path / "bundle").mkdir()
    (tmp_path / "bundle" / "data.bin").write_bytes(b"x" * 10)
    svc.serve_directory("allow-bundle", tmp_path / "bundle", "allow-owner")
    svc.admit("allow-other", [])
    assert status(svc.placeholders("allow-owner")["assets_url"] + "/allow-bundle/data.bin") == 200
    assert status(svc.placeholders("allow-other")["assets_url"] + "/allow-bundle/data.bin") == 404
    assert svc.access_log("allow-other")[0]["refused"] is True


def test_torchvision_download_route_is_refused_to_a_bert_trial(svc, task_python, tmp_path):
    """The taskenv_site redirection of CIFAR10(download=True) goes through the same allow-list."""
    trial = "allow-bert-tv"
    bert_trial(svc, trial)
    env = svc.sandbox_env(trial, tmp_path / "home")
    out = run_py(task_python, f"""
        import json, torchvision
        try:
            torchvision.datasets.CIFAR10({str(tmp_path / 'data')!r}, train=False, download=True)
            print(json.dumps({{"got": True}}))
        except Exception as exc:
            print(json.dumps({{"got": False, "error": str(exc)[:200]}}))
    """, env=env)
    assert out["got"] is False
    refused = svc.trial_assets(trial)["refused"]
    assert [(e["path"], e["asset"]) for e in refused] == [("/torchvision/cifar-10-python.tar.gz", "cifar-10")]


def test_the_missing_dataset_path_stays_a_recorded_404_for_its_task(svc):
    task = load_task(REPO / "cases" / "dataset" / "dataset_not_available_download")
    svc.require_for(task)
    svc.admit("allow-missing", task_assets(task))
    ph = svc.placeholders("allow-missing")
    assert status(ph["url:missing-dataset"] + "/info/refs") == 404 and status(ph["url:cifar-10"]) == 404
    report = svc.trial_assets("allow-missing")
    assert [(e["asset"], e["path"]) for e in report["not_found"]] == [
        ("missing-dataset", "/ml-dev-bench/cdh-dataset-download/info/refs")]  # asked, and the validator sees it
    assert [e["asset"] for e in report["refused"]] == ["cifar-10"] and report["fetched"] == []


PERFORMANCE = ["cifar_10_lt_performance", "improve_cifar10_baseline", "boolq_performance",
               "full_train_workflow_performance_test", "improve_segmentation_baseline", "cifar100_performance"]
EVAL_ARCHIVES = ["cifar-10", "cifar-100", "boolq", "imagenette2-160", "voc2012-seg"]  # hold the public test/val splits


def _full_standins(svc, names, cache, task_python):
    """Full cache entries under `cache` for `names`: the session's smoke bytes, linked, then installed as stand-ins."""
    from pytest_mldevbench.assets import manifest
    from tests.standin_full import install
    svc.require(names)
    for name in names:
        key = svc.store.key(manifest.get(name))
        (cache / "smoke" / name).mkdir(parents=True)
        (cache / "smoke" / name / key).symlink_to(svc.store.root.parent / "smoke" / name / key)
    install(cache, names, task_python)


def test_full_profile_performance_trials_reach_no_evaluation_archive(svc, task_python, tmp_path):
    """In full (stand-ins of the real archives, tests/standin_full.py), a performance task's prefix reaches its
    models and never the archives its hidden split comes from, nor their torchvision routes."""
    from pytest_mldevbench.assets import AssetService, manifest
    tasks = [load_task(next(REPO.glob(f"cases/*/{t}"))) for t in PERFORMANCE]
    served = sorted({n for t in tasks for n in task_assets(t)} | set(EVAL_ARCHIVES))
    _full_standins(svc, served, tmp_path, task_python)
    full = AssetService.start("full", tmp_path, assets=served)
    try:
        for task in tasks:
            assert not set(task_assets(task)) & set(EVAL_ARCHIVES), task.id
            full.admit(task.id, task_assets(task))
            ph = full.placeholders(task.id)
            urls = [ph[f"url:{n}"] for n in EVAL_ARCHIVES]
            urls += [f"{ph['assets_url']}/torchvision/{f}" for n in EVAL_ARCHIVES for f in manifest.get(n).files
                     if manifest.get(n).kind == "torchvision"]
            assert [status(u) for u in urls] == [404] * len(urls), task.id
            assert all(e.get("refused") for e in full.access_log(task.id)), task.id
            for name in task_assets(task):
                a = manifest.get(name)
                if a.kind == "hf":
                    assert status(f"{ph['hf_endpoint']}/{a.repo_id}/resolve/main/config.json") == 200, (task.id, name)
                else:  # torchvision weights: in the trial's own TORCH_HOME
                    assert (full.torch_home(task.id) / "hub" / "checkpoints" / a.files[0]).is_file(), (task.id, name)
    finally:
        full.stop()


def test_full_bert_eval_debug_trial_gets_boolq_cut_for_it_never_the_raw_archive(svc, task_python, tmp_path):
    """In full, boolq's val split is boolq_performance's hidden evaluation split: bert_eval_debug lists its own
    `boolq-evaldebug`, cut from the real BoolQ (a stand-in here) with the train and val members the task reads and
    without test.jsonl; the raw archive answers 404 through its prefix and is logged as refused."""
    from pytest_mldevbench.assets import AssetService, manifest
    task = load_task(REPO / "cases" / "debugging" / "bert_eval_debug")
    real = ["boolq", "hf-tinybert-boolq", "hf-tinybert-general-4l-312d"]
    assert "boolq" not in task_assets(task) and "boolq-evaldebug" in task_assets(task)
    _full_standins(svc, real, tmp_path, task_python)
    full = AssetService.start("full", tmp_path, task_python=task_python, assets=())
    try:
        full.require_for(task)
        full.admit("evaldebug-full", task_assets(task))
        ph = full.placeholders("evaldebug-full")
        assert status(ph["url:boolq"]) == 404 and status(f"{ph['assets_url']}/BoolQ.zip") == 404
        given = urllib.request.urlopen(ph["url:boolq-evaldebug"], timeout=60).read()
        assert status(ph["url:boolq-evaldebug"].replace("/BoolQ.zip", "/BoolQ-variant.zip")) == 200
        report = full.trial_assets("evaldebug-full")
        assert [e["path"] for e in report["refused"]] == ["/boolq/BoolQ.zip", "/BoolQ.zip"], report["refused"]
        assert report["refused"][0]["asset"] == "boolq"
        assert {e["asset"] for e in report["fetched"]} == {"boolq-evaldebug"}
    finally:
        full.stop()
    raw = zipfile.ZipFile(tmp_path / "full" / "boolq" / "real" / "files" / "BoolQ.zip")
    cut = zipfile.ZipFile(io.BytesIO(given))
    assert sorted(cut.namelist()) == ["BoolQ/train.jsonl", "BoolQ/val.jsonl"]  # no test.jsonl
    assert all(cut.read(n) == raw.read(n) for n in cut.namelist())
    assert full.store.key(manifest.get("boolq-evaldebug")).startswith("derived-")
