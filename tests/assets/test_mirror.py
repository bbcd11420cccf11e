"""The mirror over HTTP: archives with GET/HEAD/Content-Length, the 404 path, the HF endpoint, access logs."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from pytest_mldevbench.assets import manifest


def fetch(url: str, method: str = "GET", headers: dict | None = None):
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def admitted(svc, trial: str) -> dict:
    """The placeholders of a trial admitted to every asset (these tests exercise the routes, not the allow-list)."""
    svc.admit(trial, [a.name for a in manifest.ASSETS])
    return svc.placeholders(trial)


def test_archives_get_and_head_match_reference(svc):
    ph = admitted(svc, "mirror-archives")
    for name in ("imagenette2-160", "cifar-10", "boolq", "voc2012-seg"):
        ref = (svc.reference(name) / manifest.get(name).url_file).read_bytes()
        status, headers, body = fetch(ph[f"url:{name}"])
        assert status == 200 and body == ref and int(headers["Content-Length"]) == len(ref)
        status, headers, body = fetch(ph[f"url:{name}"], "HEAD")
        assert status == 200 and body == b"" and int(headers["Content-Length"]) == len(ref)
    # unique file names are also served directly under assets_url
    status, _, body = fetch(ph["assets_url"] + "/imagenette2-160.tgz")
    assert status == 200 and len(body) > 0


def test_range_request(svc):
    url = admitted(svc, "mirror-range")["url:cifar-10"]
    ref = (svc.reference("cifar-10") / "cifar-10-python.tar.gz").read_bytes()
    status, headers, body = fetch(url, headers={"Range": "bytes=10-19"})
    assert status == 206 and body == ref[10:20] and headers["Content-Range"] == f"bytes 10-19/{len(ref)}"


@pytest.mark.parametrize("suffix", ["", "/info/refs?service=git-upload-pack", "/archive/refs/heads/main.zip",
                                    "/releases/download/v1/data.tar.gz"])
def test_missing_dataset_is_404(svc, suffix):
    url = admitted(svc, "mirror-404")["url:missing-dataset"] + suffix
    assert "ml-dev-bench/cdh-dataset-download" in url
    for method in ("GET", "HEAD"):
        status, _, body = fetch(url, method)
        assert status == 404
        if method == "GET":
            assert b"Not Found" in body


def test_unknown_paths_are_404(svc):
    base = admitted(svc, "mirror-unknown")["assets_url"]
    assert fetch(base + "/no-such-asset/file.tgz")[0] == 404
    assert fetch(base + "/torchvision/not-a-file")[0] == 404


def test_hf_resolve_headers_and_info(svc):
    hf = admitted(svc, "mirror-hf")["hf_endpoint"]
    status, headers, _ = fetch(f"{hf}/bert-base-uncased/resolve/main/config.json", "HEAD")
    assert status == 200
    commit = headers["X-Repo-Commit"]
    assert re.fullmatch(r"[0-9a-f]{40}", commit)
    ref = (svc.reference("hf-bert-base-uncased") / "config.json").read_bytes()
    assert headers["ETag"].strip('"') and int(headers["Content-Length"]) == len(ref)
    status, _, body = fetch(f"{hf}/bert-base-uncased/resolve/{commit}/config.json")
    assert status == 200 and body == ref
    for path in ("api/models/facebook/dinov2-small", "api/models/facebook/dinov2-small/revision/main"):
        info = json.loads(fetch(f"{hf}/{path}")[2])
        assert info["id"] == "facebook/dinov2-small" and re.fullmatch(r"[0-9a-f]{40}", info["sha"])
        assert sorted(s["rfilename"] for s in info["siblings"]) == sorted(manifest.get("hf-dinov2-small").files)
    tree = json.loads(fetch(f"{hf}/api/models/facebook/dinov2-small/tree/main?recursive=True")[2])
    assert {e["path"] for e in tree} == set(manifest.get("hf-dinov2-small").files)


def test_hf_errors_carry_hub_error_codes(svc):
    hf = admitted(svc, "mirror-hf-err")["hf_endpoint"]
    status, headers, _ = fetch(f"{hf}/nobody/nothing/resolve/main/config.json", "HEAD")
    assert status == 404 and headers["X-Error-Code"] == "RepoNotFound"
    status, headers, _ = fetch(f"{hf}/bert-base-uncased/resolve/main/flax_model.msgpack")
    assert status == 404 and headers["X-Error-Code"] == "EntryNotFound"
    status, headers, _ = fetch(f"{hf}/api/models/nobody/nothing")
    assert status == 404 and headers["X-Error-Code"] == "RepoNotFound"
    # the fine-tuned BoolQ checkpoint is never published (boolq_performance must train)
    status, headers, _ = fetch(f"{hf}/harshith2794/tinybert-boolq/resolve/main/config.json")
    assert status == 404 and headers["X-Error-Code"] == "RepoNotFound"


def test_access_log_is_per_trial(svc):
    a, b = admitted(svc, "log-a"), admitted(svc, "log-b")
    fetch(a["url:boolq"])
    fetch(a["url:missing-dataset"] + "/info/refs")
    fetch(b["url:mnist"])
    log_a, log_b = svc.access_log("log-a"), svc.access_log("log-b")
    assert [(e["method"], e["path"], e["status"]) for e in log_a] == [
        ("GET", "/boolq/BoolQ.zip", 200), ("GET", "/ml-dev-bench/cdh-dataset-download/info/refs", 404)]
    assert len(log_b) == 1 and log_b[0]["path"] == "/mnist/train-images-idx3-ubyte.gz"
    assert log_a[0]["bytes"] == (svc.reference("boolq") / "BoolQ.zip").stat().st_size


def test_placeholders_and_sandbox_env(svc, tmp_path):
    ph = admitted(svc, "trial[react-sonnet-1]")
    assert {"assets_url", "hf_endpoint", "torch_home"} <= set(ph)
    assert all(f"url:{a.name}" in ph for a in manifest.ASSETS)
    assert "[" not in ph["assets_url"]
    env = svc.sandbox_env("trial[react-sonnet-1]", tmp_path)
    assert env["WANDB_MODE"] == "offline" and env["HF_ENDPOINT"] == ph["hf_endpoint"]
    assert env["TORCH_HOME"] == ph["torch_home"]
    hf_home = tmp_path / ".cache" / "huggingface"
    assert env["HF_HOME"] == str(hf_home) and hf_home.is_dir() and not any(hf_home.iterdir())
    home = svc.torch_home("trial[react-sonnet-1]")
    assert svc.sandbox_ro_paths("trial[react-sonnet-1]") == [home] and env["TORCH_HOME"] == str(home)
    ckpts = sorted(p.name for p in (home / "hub" / "checkpoints").iterdir())
    assert ckpts == ["fcn_resnet50_coco-1167a1af.pth", "resnet18-f37072fd.pth", "resnet50-0676ba61.pth",
                     "resnet50-11ad3fa6.pth"]


def test_trial_prefixes_are_unguessable_and_foreign_ones_log_nothing(svc):
    """A trial's URLs carry a random token: nothing another trial can know lands in its access log."""
    a, b = svc.placeholders("forge-a[x-1]"), svc.placeholders("forge-b[x-1]")
    token_a = a["assets_url"].rsplit("/t/", 1)[1]
    assert token_a != b["assets_url"].rsplit("/t/", 1)[1] and len(token_a) >= 20 and "forge" not in token_a
    assert svc.placeholders("forge-a[x-1]") == a  # stable for the trial's life
    root = a["assets_url"].rsplit("/t/", 1)[0]
    for prefix in ("forge-a_x-1_", "forge-a[x-1]", "-", "0" * 24):
        status, _, _ = fetch(f"{root}/t/{prefix}/ml-dev-bench/cdh-dataset-download")
        assert status == 404
    status, _, _ = fetch(f"{root}/ml-dev-bench/cdh-dataset-download")
    assert status == 404
    assert svc.access_log("forge-a[x-1]") == [] and svc.access_log("forge-b[x-1]") == []
    svc.admit("forge-a[x-1]", ["missing-dataset"])
    fetch(a["url:missing-dataset"])
    assert [e["path"] for e in svc.access_log("forge-a[x-1]")] == ["/ml-dev-bench/cdh-dataset-download"]
