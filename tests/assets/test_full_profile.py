"""`full` profile against a loopback server impersonating the real sources (laid out by host, as a
corporate mirror would be): `mldevbench assets fetch --profile full` with MLDB_ASSETS_SOURCE_PREFIX,
`mldevbench assets verify`, checksum failures, truncated downloads, and the harness's lazy fetch."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pytest_mldevbench.assets import manifest
from pytest_mldevbench.assets.fetch import SOURCE_PREFIX_ENV, fetch, prefix_rewriter, source_urls
from pytest_mldevbench.assets.store import AssetBuildError

REPO = Path(__file__).resolve().parents[2]
SERVED = ["imagenette2-160", "boolq", "hf-dinov2-small", "cifar-10"]  # cifar-10: smoke bytes != real MD5


class FakeSources:
    """Real URLs' paths (`/<host>/<path>`) -> bytes; every request is recorded."""

    def __init__(self, files: dict[str, bytes]):
        self.files, self.requests = files, []
        self.truncate: set[str] = set()  # paths answered with half their bytes (Content-Length says all)
        sources = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                sources.requests.append(self.path)
                body = sources.files.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if self.path in sources.truncate else body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.prefix = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _path(url: str) -> str:
    parts = urlsplit(url)
    return "/" + parts.netloc + parts.path


@pytest.fixture(scope="module")
def svc(task_python, assets_cache):
    """Smoke copies of just the assets served here stand in for the real bytes (built lazily)."""
    from pytest_mldevbench.assets import AssetService
    service = AssetService.start("smoke", assets_cache, task_python=task_python, assets=SERVED)
    yield service
    service.stop()


@pytest.fixture
def sources(svc):
    files = {}
    for name in SERVED:
        ref = svc.reference(name)
        for f, url in source_urls(manifest.get(name)).items():
            files[_path(url)] = (ref / f).read_bytes()
    server = FakeSources(files)
    yield server
    server.stop()


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != SOURCE_PREFIX_ENV}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "pytest_mldevbench.cli", "assets", *args], cwd=REPO,
                          env=full_env, capture_output=True, text=True, timeout=600)


def status_lines(out: str) -> dict[str, str]:
    """The final `<asset> <status>` table (progress lines `fetching <asset>` left out)."""
    return {line.split()[0]: line.split(None, 1)[1] for line in out.splitlines()
            if len(line.split()) > 1 and not line.startswith("fetching ")}


def test_prefix_rewriter_keeps_host_and_path():
    rewrite = prefix_rewriter("http://mirror.corp:8080/assets/")
    assert rewrite("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz") == \
        "http://mirror.corp:8080/assets/www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    with pytest.raises(ValueError, match="http"):
        prefix_rewriter("mirror.corp")


def test_cli_fetch_and_verify_through_a_mirror_prefix(sources, svc, tmp_path):
    cache = tmp_path / "cache"
    names = ["imagenette2-160", "boolq", "hf-dinov2-small"]
    env = {SOURCE_PREFIX_ENV: sources.prefix}
    r = cli("fetch", "--profile", "full", "--cache-dir", str(cache), "--only", *names, env=env)
    assert r.returncode == 0, r.stderr
    assert status_lines(r.stdout) == dict.fromkeys(names, "ok")
    # the real sources were asked for, by host and path, through the prefix
    assert "/s3.amazonaws.com/fast-ai-imageclas/imagenette2-160.tgz" in sources.requests
    assert "/huggingface.co/facebook/dinov2-small/resolve/main/config.json" in sources.requests
    # fetched side by side under one progress line (in a log: its first and last state)
    assert "mldevbench assets: [" + "#" * 24 + "] 3/3 ready" in r.stderr, r.stderr
    got = (cache / "full" / "boolq" / "real" / "files" / "BoolQ.zip").read_bytes()
    assert got == (svc.reference("boolq") / "BoolQ.zip").read_bytes()

    before = len(sources.requests)
    again = cli("fetch", "--profile", "full", "--cache-dir", str(cache), "--only", *names, env=env)
    assert again.returncode == 0 and status_lines(again.stdout) == dict.fromkeys(names, "present")
    assert len(sources.requests) == before, "nothing downloaded the second time"

    v = cli("verify", "--profile", "full", "--cache-dir", str(cache))
    assert v.returncode == 1, "not every asset is present"
    status = status_lines(v.stdout)
    assert all(status[n] == "ok" for n in names) and status["cifar-10"] == "missing"
    assert status["missing-dataset"].startswith("ok")

    target = cache / "full" / "imagenette2-160" / "real" / "files" / "imagenette2-160.tgz"
    target.chmod(0o644)
    with open(target, "r+b") as f:  # flip one byte in the middle
        f.seek(target.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    v = cli("verify", "--profile", "full", "--cache-dir", str(cache))
    assert status_lines(v.stdout)["imagenette2-160"] == "corrupt: imagenette2-160.tgz"


def test_cli_fetch_rejects_a_file_that_fails_its_checksum(sources, tmp_path):
    cache = tmp_path / "cache"
    r = cli("fetch", "--profile", "full", "--cache-dir", str(cache), "--only", "cifar-10", "boolq",
            "--source-prefix", sources.prefix)
    assert r.returncode == 1
    errors = [line for line in r.stderr.splitlines() if line.startswith("mldevbench assets fetch:")]
    assert len(errors) == 1 and "cifar-10: checksum mismatch for cifar-10-python.tar.gz" in errors[0], r.stderr
    assert "md5:c58f30108f718f92721af3b95e74349a" in errors[0]
    assert "Traceback" not in r.stderr
    status = status_lines(r.stdout)
    assert status["boolq"] == "ok" and status["cifar-10"].startswith("failed: checksum mismatch")
    assert not (cache / "full" / "cifar-10" / "real").exists()
    assert not list((cache / "full" / "cifar-10").glob("*tmp*")), "no partial download left behind"
    v = cli("verify", "--profile", "full", "--cache-dir", str(cache))
    assert status_lines(v.stdout)["cifar-10"] == "missing"


def test_truncated_download_and_unreachable_source_fail_cleanly(sources, tmp_path):
    url = source_urls(manifest.get("boolq"))["BoolQ.zip"]
    sources.truncate.add(_path(url))
    with pytest.raises(AssetBuildError, match=r"boolq: .*/BoolQ\.zip: got \d+ bytes, Content-Length said \d+"):
        fetch(tmp_path, ["boolq"], prefix_rewriter(sources.prefix), progress=False, log=lambda m: None)
    assert not (tmp_path / "full" / "boolq" / "real").exists()
    with pytest.raises(AssetBuildError, match="hf-mobilenet-v2: HTTPError"):  # not on this mirror: 404
        fetch(tmp_path, ["hf-mobilenet-v2"], prefix_rewriter(sources.prefix), progress=False, log=lambda m: None)
    r = cli("fetch", "--profile", "full", "--cache-dir", str(tmp_path), "--only", "no-such-asset")
    assert r.returncode == 1 and "unknown asset(s) no-such-asset" in r.stderr and "Traceback" not in r.stderr


def test_full_service_fetches_what_a_task_needs_on_first_use(sources, svc, tmp_path, monkeypatch):
    from pytest_mldevbench.assets import AssetService
    monkeypatch.setenv(SOURCE_PREFIX_ENV, sources.prefix)
    logs = []
    full = AssetService.start("full", tmp_path, log=logs.append, assets=())
    try:
        assert not sources.requests, "nothing fetched before a task asks"
        full.require(["boolq"])
        assert [p for p in sources.requests if "BoolQ" in p] == [_path(source_urls(manifest.get("boolq"))["BoolQ.zip"])]
        full.admit("t1", ["boolq", "cifar-10"])
        url = full.placeholders("t1")["url:boolq"]
        assert urllib.request.urlopen(url).read() == (svc.reference("boolq") / "BoolQ.zip").read_bytes()
        full.require(["cifar-10"])  # fails its checksum: answered 404, the grader gets the clear error
        assert any("cifar-10" in m and "checksum mismatch" in m for m in logs)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(full.placeholders("t1")["url:cifar-10"])
        assert err.value.code == 404
        with pytest.raises(AssetBuildError, match="mldevbench assets fetch"):
            full.reference("cifar-10")
    finally:
        full.stop()
