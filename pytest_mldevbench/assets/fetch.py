"""The `full` profile: download every asset from its real source into the cache, verify it, report presence.

Known checksums (torchvision's MD5s, torch.hub's SHA-256 prefixes) are enforced. Sources without a published
checksum (Imagenette, BoolQ, Hugging Face files) are recorded on first download (trust on first use) and
verified against that record afterwards. `source_map` rewrites a real URL before download. Users behind a
corporate mirror set `MLDB_ASSETS_SOURCE_PREFIX` (or `--source-prefix`): `https://host/path` is then
fetched from `<prefix>/host/path`, for the command and for the harness's lazy fetches alike.
"""
from __future__ import annotations

import fcntl
import http.client
import json
import os
import shutil
import sys
import time
import urllib.request
from pathlib import Path
from typing import Callable
from urllib.error import URLError
from urllib.parse import urlsplit

from . import manifest
from .manifest import HF, Asset
from .store import AssetBuildError, Store, describe_files, file_digests


SOURCE_PREFIX_ENV = "MLDB_ASSETS_SOURCE_PREFIX"


def prefix_rewriter(prefix: str | None) -> Callable[[str], str] | None:
    """`https://host/path?q` -> `<prefix>/host/path?q` (an internal mirror laid out by host); None: no rewrite."""
    if not prefix:
        return None
    if not prefix.startswith(("http://", "https://", "file:")):
        raise ValueError(f"asset source prefix must be an http(s) URL, got {prefix!r}")

    def rewrite(url: str) -> str:
        parts = urlsplit(url)
        return prefix.rstrip("/") + "/" + parts.netloc + parts.path + (f"?{parts.query}" if parts.query else "")
    return rewrite


def default_source_map() -> Callable[[str], str] | None:
    """The rewrite `MLDB_ASSETS_SOURCE_PREFIX` asks for, if set."""
    return prefix_rewriter(os.environ.get(SOURCE_PREFIX_ENV))


def source_urls(asset: Asset) -> dict[str, str]:
    """file name (path in repo for hf) -> real URL."""
    if asset.kind == "hf":
        return {f: f"{HF}/{asset.repo_id}/resolve/main/{f}" for f in (asset.real_files or asset.files)}
    if asset.kind in ("archive", "torchvision", "torch_weights") and asset.real_source:
        if len(asset.files) == 1 and not asset.real_source.endswith("/"):
            return {asset.files[0]: asset.real_source}
        return {f: asset.real_source.rstrip("/") + "/" + f for f in asset.files}
    return {}


def _progress(name: str, done: int, total: int | None) -> None:
    stream = sys.stderr
    if total:
        width = 30
        filled = int(width * done / total)
        stream.write(f"\r  {name[:40]:40s} [{'#' * filled}{'.' * (width - filled)}] "
                     f"{done / 1e6:8.1f}/{total / 1e6:.1f} MB")
    else:
        stream.write(f"\r  {name[:40]:40s} {done / 1e6:8.1f} MB")
    stream.flush()


def download(url: str, dest: Path, progress: bool = True, timeout: float = 60) -> None:
    tmp = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    req = urllib.request.Request(url, headers={"User-Agent": "mldevbench-assets/1"})
    with urllib.request.urlopen(req, timeout=timeout) as r, open(tmp, "wb") as out:
        total = int(r.headers.get("Content-Length") or 0) or None
        done, last = 0, 0.0
        while chunk := r.read(1 << 20):
            out.write(chunk)
            done += len(chunk)
            if progress and time.monotonic() - last > 0.2:
                _progress(dest.name, done, total)
                last = time.monotonic()
    if progress:
        _progress(dest.name, done, total)
        sys.stderr.write("\n")
    if total is not None and done != total:
        raise AssetBuildError(f"{url}: got {done} bytes, Content-Length said {total}")
    os.replace(tmp, dest)


def check(expected: str, digests: dict) -> bool:
    kind, _, value = expected.partition(":")
    if kind == "md5":
        return digests["md5"] == value
    if kind == "sha256":
        return digests["sha256"] == value
    if kind == "sha256-prefix":
        return digests["sha256"].startswith(value)
    raise ValueError(f"unknown checksum kind {expected!r}")


def fetch(cache_dir: Path, names: list[str] | None = None, source_map: Callable[[str], str] | None = None,
          progress: bool = True, log=print) -> dict[str, str]:
    """Download and verify full-profile assets; returns {asset: "ok" | "present" | "skipped: ..."}.

    `source_map` defaults to the `MLDB_ASSETS_SOURCE_PREFIX` rewrite. Every asset is tried; if any failed
    (download error or checksum mismatch) AssetBuildError lists them after the others were fetched.
    One download per machine: a per-asset file lock, the cache entry appears atomically when verified."""
    if source_map is None:
        source_map = default_source_map()
    unknown = [n for n in names or [] if n not in manifest.BY_NAME]
    if unknown:
        raise AssetBuildError(f"unknown asset(s) {', '.join(unknown)}; known: {', '.join(sorted(manifest.BY_NAME))}")
    store = Store(Path(cache_dir), "full")
    results, failed = {}, []
    for asset in manifest.order():
        if names and asset.name not in names:
            continue
        urls = source_urls(asset)
        if not urls:
            results[asset.name] = (f"skipped: derived from {', '.join(asset.full_from)} on first use" if asset.full_from
                                   else "skipped: no real source (served as 404 or built by a task)")
            continue
        if store.present(asset):
            results[asset.name] = "present"
            continue
        target = store.asset_dir(asset)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target.parent / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if store.present(asset):  # another process fetched it while we waited
                results[asset.name] = "present"
                continue
            try:
                _fetch_one(asset, urls, target, source_map, progress, log)
            except (AssetBuildError, URLError, OSError, ValueError, http.client.HTTPException) as exc:
                reason = (str(exc) if isinstance(exc, AssetBuildError) else
                          f"{type(exc).__name__}: {getattr(exc, 'reason', None) or exc}")
                failed.append(f"{asset.name}: {reason}")
                results[asset.name] = f"failed: {reason}"
                continue
        results[asset.name] = "ok"
    if failed:
        error = AssetBuildError("; ".join(failed))
        error.results = results
        raise error
    return results


def _fetch_one(asset: Asset, urls: dict[str, str], target: Path, source_map, progress: bool, log) -> None:
    tmp = target.with_name(target.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    log(f"fetching {asset.name}")
    try:
        for f, url in urls.items():
            download(source_map(url) if source_map else url, tmp / "files" / f, progress)
        files = describe_files(tmp / "files")
        bad = [f for f, exp in asset.real_checksums.items() if not check(exp, files[f])]
        if bad:
            raise AssetBuildError(f"checksum mismatch for {', '.join(bad)} (expected "
                                  f"{', '.join(asset.real_checksums[f] for f in bad)}, got md5 "
                                  f"{', '.join(files[f]['md5'] for f in bad)})")
        meta = {"asset": asset.name, "profile": "full", "key": "real", "sources": urls, "files": files,
                "verified_against": asset.real_checksums or "trust on first use", "fetched_at": time.time(),
                "recorded": {}}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def verify(cache_dir: Path, profile: str) -> dict[str, str]:
    """{asset: status}: 'ok', 'missing', or 'corrupt: <files>' (re-hashes every cached file)."""
    store = Store(Path(cache_dir), profile, task_python=None)
    out = {}
    for asset in manifest.order():
        if asset.kind == "missing":
            out[asset.name] = "ok (served as 404)"
            continue
        try:
            adir = _find_dir(store, asset)
        except FileNotFoundError:
            if profile == "full" and asset.full_from:
                out[asset.name] = f"ok (not built yet: derived from {', '.join(asset.full_from)} on first use)"
            elif profile == "full" and asset.smoke_only:
                out[asset.name] = "ok (smoke only)"
            else:
                out[asset.name] = "missing"
            continue
        meta = json.loads((adir / "meta.json").read_text())
        bad = [f for f, d in meta["files"].items()
               if not (adir / "files" / f).is_file() or file_digests(adir / "files" / f) != d]
        bad += [f for f, exp in (asset.real_checksums if profile == "full" else {}).items()
                if f in meta["files"] and not check(exp, meta["files"][f])]
        out[asset.name] = f"corrupt: {', '.join(sorted(set(bad)))}" if bad else "ok"
    return out


def _find_dir(store: Store, asset: Asset) -> Path:
    """The cached dir of an asset: full -> 'real'; smoke -> the newest generated version present."""
    base = store.root / asset.name
    dirs = [d for d in base.glob("*") if (d / "meta.json").is_file() and ".tmp-" not in d.name] if base.is_dir() else []
    if store.profile == "full":
        dirs = [d for d in dirs if d.name == store.key(asset)]
    if not dirs:
        raise FileNotFoundError(asset.name)
    return max(dirs, key=lambda d: d.stat().st_mtime)

