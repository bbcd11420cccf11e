"""Full-profile task bundles cut from real assets on first use (manifest `full_from`): cifar10-lt from CIFAR-10,
cifar100-p6 from CIFAR-100. The real tarballs cannot be downloaded here, so the smoke tarballs (same formats)
stand in for them in a temporary full cache (tests/standin_full.py)."""
from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from pytest_mldevbench.assets import manifest
from pytest_mldevbench.assets.fetch import SOURCE_PREFIX_ENV, verify
from pytest_mldevbench.assets.store import AssetBuildError, Store
from tests.standin_full import install

from .helpers import run_py

REPO = Path(__file__).resolve().parents[2]
LT_WORKSPACE = REPO / "cases" / "performance" / "cifar_10_lt_performance" / "workspace"


@pytest.fixture(scope="module")
def full_cache(svc, task_python, tmp_path_factory):
    """A full cache holding stand-ins for cifar-10 and cifar-100 (and nothing else)."""
    root = tmp_path_factory.mktemp("full-cache")
    smoke_root = svc.store.root.parent
    for name in ("cifar-10", "cifar-100"):  # reuse the session's smoke bytes instead of regenerating them
        (root / "smoke" / name).mkdir(parents=True)
        key = svc.store.key(manifest.get(name))
        (root / "smoke" / name / key).symlink_to(smoke_root / "smoke" / name / key)
    install(root, ["cifar-10", "cifar-100"], task_python)
    return root


def _members(tarball: Path) -> dict[str, bytes]:
    with tarfile.open(tarball) as tar:
        return {m.name.split("/")[-1]: tar.extractfile(m).read() for m in tar if m.isfile()}


def test_cifar10_lt_is_cut_from_the_cifar10_tarball(full_cache, task_python):
    store = Store(full_cache, "full", task_python)
    lt = manifest.get("cifar10-lt")
    status = verify(full_cache, "full")
    assert status["cifar10-lt"].startswith("ok (not built yet: derived from cifar-10")
    assert status["voc2012-seg-p4"] == "ok (smoke only)" and status["cifar10-improve"] == "missing"
    files = store.ensure(lt) / "files"
    assert store.key(lt).startswith("derived-") and verify(full_cache, "full")["cifar10-lt"] == "ok"
    source = _members(full_cache / "full" / "cifar-10" / "real" / "files" / "cifar-10-python.tar.gz")
    assert (files / "eval" / "test_batch").read_bytes() == source["test_batch"]

    # read in the task environment (numpy arrays inside the pickles); the facts come back as JSON
    out = run_py(task_python, f"""
        import json, math, pickle, sys, tarfile
        sys.path.insert(0, {str(LT_WORKSPACE)!r})
        from dataset import Cifar10Imbanlance
        with tarfile.open({str(full_cache / "full" / "cifar-10" / "real" / "files" / "cifar-10-python.tar.gz")!r}) as t:
            batches = [pickle.load(t.extractfile(f"cifar-10-batches-py/data_batch_{{b}}"), encoding="latin1")
                       for b in range(1, 6)]
        names = [n for b in batches for n in b["filenames"]]
        labels = [y for b in batches for y in b["labels"]]
        rows = {{n: bytes(r) for b in batches for n, r in zip(b["filenames"], b["data"])}}
        split = {{k: pickle.load(open({str(files / "cifar-10-lt")!r} + "/" + k, "rb"), encoding="latin1")
                 for k in ("train_lt", "val_balanced")}}
        train, val = split["train_lt"], split["val_balanced"]
        first20 = [n for c in range(10) for n in [m for m, y in zip(names, labels) if y == c][:20]]
        per_class = [labels.count(c) for c in range(10)]
        tr = Cifar10Imbanlance(file_path={str(files)!r}, train=True)
        va = Cifar10Imbanlance(file_path={str(files)!r}, train=False)
        print(json.dumps({{
            "val_is_first_20": val["filenames"] == sorted(first20, key=names.index),
            "train_counts": [train["labels"].count(c) for c in range(10)],
            "expected_counts": [math.floor((per_class[c] - 20) * 0.01 ** (c / 9)) for c in range(10)],
            "disjoint": not set(train["filenames"]) & set(val["filenames"]),
            "rows_match": all(rows[n] == bytes(r) for d in (train, val) for n, r in zip(d["filenames"], d["data"])),
            "labels_match": all(labels[names.index(n)] == y for d in (train, val)
                                for n, y in zip(d["filenames"], d["labels"])),
            "loader": [tr.get_per_class_num(), va.get_per_class_num(), tr[0][0].size[0]]}}))
    """)
    # val: the first 20 of each class in file order; train_lt: n_i = floor(rest_i * 0.01^(i/9)), disjoint from val;
    # every row is the source's row of that file name, with its label
    assert out["val_is_first_20"] and out["disjoint"] and out["rows_match"] and out["labels_match"]
    assert out["train_counts"] == out["expected_counts"] and out["train_counts"][0] > out["train_counts"][9] > 0
    assert out["loader"] == [out["train_counts"], [20] * 10, 32]

    (full_cache / "again" / "full").mkdir(parents=True)  # deterministic: a second build, byte for byte
    (full_cache / "again" / "full" / "cifar-10").symlink_to(full_cache / "full" / "cifar-10")
    again = Store(full_cache / "again", "full", task_python)
    again.ensure(lt)
    assert again.meta(lt)["files"] == store.meta(lt)["files"]


def test_cifar100_p6_is_the_tarballs_members(full_cache, task_python):
    store = Store(full_cache, "full", task_python)
    files = store.ensure(manifest.get("cifar100-p6")) / "files"
    source = _members(full_cache / "full" / "cifar-100" / "real" / "files" / "cifar-100-python.tar.gz")
    got = {"train": files / "cifar-100-python" / "train", "meta": files / "cifar-100-python" / "meta",
           "test": files / "eval" / "test"}
    assert {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in got.items()} == \
        {k: hashlib.sha256(source[k]).hexdigest() for k in got}
    assert sorted(p.relative_to(files).as_posix() for p in files.rglob("*") if p.is_file()) == \
        sorted(manifest.get("cifar100-p6").files)


def test_the_full_service_derives_on_first_use_and_says_what_to_fetch(full_cache, tmp_path, monkeypatch):
    from pytest_mldevbench.assets import AssetService
    monkeypatch.setenv(SOURCE_PREFIX_ENV, "http://127.0.0.1:9/")  # nothing listens: a lazy fetch fails at once
    logs = []
    full = AssetService.start("full", full_cache, log=logs.append, assets=())
    try:
        full.require(["cifar10-lt"])
        assert (full.reference("cifar10-lt") / "eval" / "test_batch").is_file()
        assert not any(k.startswith("cifar10-lt/") for k in full.mirror.routes.files), "private: never served"
        full.require(["imagenette2-160-p2"])  # a smoke-only source: absent in full, quietly
        assert not any("imagenette2-160-p2" in m for m in logs)
        full.require(["cifar10-improve"])  # made once on a GPU, not derivable here: the error says how
        with pytest.raises(AssetBuildError, match="cifar10-improve is not in the full cache .*train_baseline.py"):
            full.reference("cifar10-improve")
    finally:
        full.stop()
    empty = AssetService.start("full", tmp_path, log=logs.append, assets=())  # no cifar-100 there to cut from
    try:
        empty.require(["cifar100-p6"])
        with pytest.raises(AssetBuildError, match=r"cifar-100 is not in the full cache .*mldevbench assets fetch"):
            empty.reference("cifar100-p6")
        # a trial's assets: a smoke-only source is no loss, a missing real one stops the trial before the agent
        empty.require_for(SimpleNamespace(assets=("voc2012-seg-p4",), prompt_template=""))
        with pytest.raises(AssetBuildError, match=r"cifar-10 is not in the full cache .*mldevbench assets fetch"):
            empty.require_for(SimpleNamespace(assets=("cifar10-lt", "tv-resnet18"), prompt_template=""))
    finally:
        empty.stop()


def test_a_full_trial_without_its_assets_is_an_infrastructure_error(bench, tmp_path, monkeypatch):
    """Not a failed trial: the agent never runs, the report says what to fetch."""
    monkeypatch.setenv("MLDB_CACHE", str(tmp_path / "cache"))  # an empty full cache
    monkeypatch.setenv(SOURCE_PREFIX_ENV, "http://127.0.0.1:9/")
    run = bench("cases/performance/cifar_10_lt_performance", "--profile=full", "--agent=null")
    trial = run.trial("null")
    assert trial["outcome"] == "error", trial
    assert "cifar-10 is not in the full cache" in trial["detail"] and "mldevbench assets fetch" in trial["detail"]
    assert trial["timings"].get("agent_s") is None, "the agent did not run"
