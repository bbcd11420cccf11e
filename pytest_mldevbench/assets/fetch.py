"""The `full` profile: download every asset from its real source into the cache, verify it, report presence.

Known checksums (torchvision's MD5s, torch.hub's SHA-256 prefixes) are enforced. Sources without a published
checksum (Imagenette, BoolQ, Hugging Face files) are recorded on first download (trust on first use) and
verified against that record afterwards. `source_map` rewrites a real URL before download (tests point it
at a local mirror; users may point it at an internal mirror).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
import urllib.request
from pathlib import Path
from typing import Callable

from . import manifest
from .manifest import HF, Asset
from .store import AssetBuildError, Store, describe_files, file_digests


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
    """Download and verify full-profile assets; returns {asset: "ok" | "present" | "skipped: ..."}."""
    store = Store(Path(cache_dir), "full")
    results = {}
    for asset in manifest.order():
        if names and asset.name not in names:
            continue
        urls = source_urls(asset)
        if not urls:
            results[asset.name] = "skipped: no real source (served as 404 or built by a task)"
            continue
        if store.present(asset):
            results[asset.name] = "present"
            continue
        target = store.asset_dir(asset)
        tmp = target.with_name(target.name + f".tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        log(f"fetching {asset.name}")
        for f, url in urls.items():
            download(source_map(url) if source_map else url, tmp / "files" / f, progress)
        files = describe_files(tmp / "files")
        bad = [f for f, exp in asset.real_checksums.items() if not check(exp, files[f])]
        if bad:
            shutil.rmtree(tmp, ignore_errors=True)
            raise AssetBuildError(f"{asset.name}: checksum mismatch for {bad} (expected {asset.real_checksums})")
        meta = {"asset": asset.name, "profile": "full", "key": "real", "sources": urls, "files": files,
                "verified_against": asset.real_checksums or "trust on first use", "fetched_at": time.time(),
                "recorded": {}}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
        results[asset.name] = "ok"
    return results


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
        dirs = [d for d in dirs if d.name == "real"]
    if not dirs:
        raise FileNotFoundError(asset.name)
    return max(dirs, key=lambda d: d.stat().st_mtime)

