"""The asset cache: smoke assets generated once per generator version, full assets as fetched.

Layout under `<cache_dir>/<profile>/`:
    <asset>/<key>/files/...      the served bytes (smoke: key = generator version; full: key = "real", or
                                 "derived-<version>" for a private bundle cut from real assets on first use)
    <asset>/<key>/meta.json      checksums of every file and the values recorded at build time
    torch_home-<key>/hub/checkpoints/<canonical names>   read-only, hard links into the asset dirs
Generation runs in the task environment's Python (numpy, Pillow, torch, transformers), one subprocess per
asset, under a per-asset file lock, so concurrent processes (xdist workers) never generate twice.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from . import manifest
from .manifest import Asset

GEN_DIR = Path(__file__).resolve().parent / "smokegen"
LIBS = ("numpy", "pillow", "torch", "torchvision", "transformers", "tokenizers", "safetensors", "timm", "lightning")
_BOOTSTRAP = ("import sys; sys.path.insert(0, sys.argv.pop(1)); "
              "from smokegen.main import main; main(sys.argv[1:])")


class AssetBuildError(RuntimeError):
    """A generator failed or a fetched file did not match its checksum."""


def file_digests(path: Path) -> dict:
    sha, md5, size = hashlib.sha256(), hashlib.md5(), 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    return {"sha256": sha.hexdigest(), "md5": md5.hexdigest(), "size": size}


def describe_files(files_dir: Path) -> dict:
    return {p.relative_to(files_dir).as_posix(): file_digests(p)
            for p in sorted(files_dir.rglob("*")) if p.is_file()}


def task_lib_versions(task_python: str) -> dict:
    code = ("import importlib.metadata as m, json, sys\n"
            "out = {}\n"
            f"for p in {LIBS!r}:\n"
            "    try: out[p] = m.version(p)\n"
            "    except m.PackageNotFoundError: out[p] = None\n"
            "print(json.dumps(out, sort_keys=True))")
    r = subprocess.run([task_python, "-c", code], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise AssetBuildError(f"cannot query the task environment ({task_python}): {r.stderr[-500:]}")
    return json.loads(r.stdout)


def _hash_modules(h, asset: Asset) -> None:
    """Feed the source of the smokegen modules that build `asset` (and common.py) into hash `h`."""
    for mod in sorted(set(asset.generator_modules) | {"common"}):
        h.update((GEN_DIR / f"{mod}.py").read_bytes())


class Store:
    def __init__(self, cache_dir: Path, profile: str, task_python: str | None = None):
        self.profile = profile
        self.root = Path(cache_dir) / profile
        self.task_python = task_python
        self._keys: dict[str, str] = {}
        self._libs: dict | None = None

    # ---- keys and locations
    def key(self, asset: Asset) -> str:
        """Cache key: "real" for a fetched full asset; otherwise a hash of what builds it (computed once)."""
        if self.profile == "full" and not asset.full_from:
            return "real"
        if asset.name not in self._keys:
            self._keys[asset.name] = self._derived_key(asset) if self.profile == "full" else self._smoke_key(asset)
        return self._keys[asset.name]

    def _smoke_key(self, asset: Asset) -> str:
        if self._libs is None:
            self._libs = task_lib_versions(self.task_python)
        # main.py only dispatches: its entry for this asset is keyed, not the whole file (adding an
        # asset must not invalidate every other one)
        from .smokegen.main import GENERATORS
        h = hashlib.sha256(json.dumps([asset.name, asset.generator_seed, asset.files, self._libs,
                                       GENERATORS.get(asset.name)]).encode())
        _hash_modules(h, asset)
        for dep in asset.deps:
            h.update(self.key(manifest.get(dep)).encode())
        return h.hexdigest()[:16]

    def _derived_key(self, asset: Asset) -> str:
        """A full bundle cut from real assets: keyed by the deriver's code (its sources are always "real")."""
        from .smokegen.main import DERIVERS
        h = hashlib.sha256(json.dumps([asset.name, asset.files, asset.full_from, DERIVERS[asset.name]]).encode())
        _hash_modules(h, asset)
        if DERIVERS[asset.name][0] not in asset.generator_modules:  # a deriver of its own (evaldebug_full)
            h.update((GEN_DIR / f"{DERIVERS[asset.name][0]}.py").read_bytes())
        return f"derived-{h.hexdigest()[:16]}"

    def asset_dir(self, asset: Asset) -> Path:
        return self.root / asset.name / self.key(asset)

    def files_dir(self, asset: Asset) -> Path:
        return self.asset_dir(asset) / "files"

    def meta(self, asset: Asset) -> dict:
        return json.loads((self.asset_dir(asset) / "meta.json").read_text())

    def present(self, asset: Asset) -> bool:
        return (self.asset_dir(asset) / "meta.json").is_file()

    # ---- building
    def ensure(self, asset: Asset, log=None) -> Path:
        """Generate a smoke asset if its cache entry is missing; return its asset dir."""
        if asset.kind == "missing" or self.present(asset):
            return self.asset_dir(asset)
        derive = self.profile == "full" and bool(asset.full_from)
        if self.profile == "full" and not derive:
            how = asset.note if asset.kind == "private" else "run `mldevbench assets fetch --profile full` first"
            raise AssetBuildError(f"asset {asset.name} is not in the full cache {self.root}; {how}")
        for dep in (asset.full_from if derive else asset.deps):
            self.ensure(manifest.get(dep), log)
        target = self.asset_dir(asset)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target.parent / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not self.present(asset):
                self._generate(asset, target, log, derive)
        return target

    def _generate(self, asset: Asset, target: Path, log, derive: bool = False) -> None:
        """Run the asset's generator (smoke) or, with `derive`, its full-profile deriver in the task env."""
        tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        deps = [f"{d}={self.files_dir(manifest.get(d))}" for d in (asset.full_from if derive else asset.deps)]
        if self.task_python is None:
            from ..taskenv import task_python
            self.task_python = str(task_python())
        cmd = [self.task_python, "-c", _BOOTSTRAP, str(GEN_DIR.parent), *(["--derive"] if derive else []),
               asset.name, str(tmp / "files"), str(asset.generator_seed), *deps]
        env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", CUDA_VISIBLE_DEVICES="",
                   HF_HUB_DISABLE_TELEMETRY="1")
        env.pop("MLDB_TORCHVISION_MIRROR", None)
        if log:
            log(f"mldevbench assets: {'deriving' if derive else 'generating'} {asset.name} ({self.key(asset)})")
        start = time.monotonic()
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
        elapsed = time.monotonic() - start
        if r.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise AssetBuildError(f"generator for {asset.name} failed (exit {r.returncode}):\n{r.stderr[-3000:]}")
        recorded = json.loads(r.stdout.strip().splitlines()[-1])
        missing = [f for f in asset.files if not (tmp / "files" / f).is_file()]
        if missing:
            raise AssetBuildError(f"generator for {asset.name} did not write {missing}")
        meta = {"asset": asset.name, "profile": self.profile, "key": self.key(asset), "seed": asset.generator_seed,
                "libs": self._libs, "generation_s": round(elapsed, 2), "files": describe_files(tmp / "files"),
                "recorded": recorded}
        if derive:
            meta["derived_from"] = {d: self.meta(manifest.get(d))["files"] for d in asset.full_from}
        for path in (tmp / "files").rglob("*"):
            path.chmod(0o444 if path.is_file() else 0o555)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, target)

    # ---- TORCH_HOME
    def torch_home(self, assets: list[Asset]) -> Path:
        """A read-only TORCH_HOME with hub/checkpoints/<canonical name> for every torch_weights asset."""
        weights = [a for a in assets if a.kind == "torch_weights"]
        # names and keys: in full every key is "real", so keys alone would give two weight sets one folder
        key = hashlib.sha256("".join(f"{a.name}={self.key(a)};" for a in weights).encode()).hexdigest()[:12]
        home = self.root / f"torch_home-{key}"
        if (home / ".complete").is_file():
            return home
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".torch_home.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if (home / ".complete").is_file():
                return home
            tmp = home.with_name(f"{home.name}.tmp-{os.getpid()}")
            shutil.rmtree(tmp, ignore_errors=True)
            ckpt = tmp / "hub" / "checkpoints"
            ckpt.mkdir(parents=True)
            for a in weights:
                for f in a.files:
                    src = self.files_dir(a) / f
                    try:
                        os.link(src, ckpt / f)
                    except OSError:
                        shutil.copyfile(src, ckpt / f)
            (tmp / ".complete").write_text("")
            for d in (ckpt, ckpt.parent, tmp):
                d.chmod(0o555)
            os.replace(tmp, home)
        return home
