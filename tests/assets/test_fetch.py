"""`full` fetch + verify, exercised with the smoke mirror standing in for the real sources."""
from __future__ import annotations

import argparse
import os

import pytest

from pytest_mldevbench.assets.commands import add_subcommands
from pytest_mldevbench.assets.fetch import fetch, source_urls, verify
from pytest_mldevbench.assets import manifest
from pytest_mldevbench.assets.manifest import HF
from pytest_mldevbench.assets.store import AssetBuildError


def mirror_map(svc):
    """Real URL -> the same file on the smoke mirror (HF paths keep their shape; archives by asset)."""
    svc.admit("fetch", [a.name for a in manifest.ASSETS])
    ph = svc.placeholders("fetch")
    table = {url: f"{ph['assets_url']}/{a.name}/{f}" for a in manifest.ASSETS if a.kind != "hf"
             for f, url in source_urls(a).items()}

    def to_mirror(url: str) -> str:
        return ph["hf_endpoint"] + url[len(HF):] if url.startswith(HF) else table[url]
    return to_mirror


def test_real_sources_are_declared():
    assert source_urls(manifest.get("cifar-10")) == {
        "cifar-10-python.tar.gz": "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"}
    assert source_urls(manifest.get("mnist"))["t10k-labels-idx1-ubyte.gz"] == \
        "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz"
    assert source_urls(manifest.get("hf-bert-base-uncased"))["config.json"] == \
        "https://huggingface.co/bert-base-uncased/resolve/main/config.json"
    assert source_urls(manifest.get("missing-dataset")) == {}


def test_fetch_then_verify(svc, tmp_path, capsys):
    names = ["imagenette2-160", "boolq", "hf-dinov2-small"]
    assert fetch(tmp_path, names, mirror_map(svc), progress=True, log=lambda m: None) == dict.fromkeys(names, "ok")
    assert "imagenette2-160.tgz" in capsys.readouterr().err  # progress bar
    assert fetch(tmp_path, names, mirror_map(svc), log=lambda m: None) == dict.fromkeys(names, "present")
    status = verify(tmp_path, "full")
    assert all(status[n] == "ok" for n in names) and status["cifar-10"] == "missing"
    target = tmp_path / "full" / "boolq" / "real" / "files" / "BoolQ.zip"
    assert target.read_bytes() == (svc.reference("boolq") / "BoolQ.zip").read_bytes()
    os.chmod(target, 0o644)
    target.write_bytes(b"tampered")
    assert verify(tmp_path, "full")["boolq"] == "corrupt: BoolQ.zip"


def test_known_checksums_are_enforced(svc, tmp_path):
    with pytest.raises(AssetBuildError, match="checksum mismatch"):
        fetch(tmp_path, ["cifar-10"], mirror_map(svc), progress=False, log=lambda m: None)
    assert verify(tmp_path, "full")["cifar-10"] == "missing"


def test_cli_verify_smoke(svc, assets_cache, capsys):
    parser = argparse.ArgumentParser()
    add_subcommands(parser.add_subparsers())
    args = parser.parse_args(["assets", "verify", "--profile", "smoke", "--cache-dir", str(assets_cache)])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert all(a.name in out for a in manifest.ASSETS)
