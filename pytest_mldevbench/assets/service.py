"""AssetService: builds (smoke) or finds (full) every asset, serves them on loopback, hands out per-trial URLs."""
from __future__ import annotations

import os
import re
from pathlib import Path

from . import manifest
from .manifest import MISSING_PATH, Asset
from .mirror import HfRepo, Mirror, Routes
from .store import Store

TV_MIRROR_ENV = "MLDB_TORCHVISION_MIRROR"  # read by taskenv_site/mldevbench_tv_mirror.py


def _default_task_python() -> str:
    given = os.environ.get("MLDB_TASK_PYTHON")
    if given:
        return given
    from ..taskenv import task_python
    return str(task_python())


def _trial_component(trial_id: str) -> str:
    """A URL-safe path component for a trial id (pytest ids may hold brackets and slashes)."""
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", trial_id) or "_"


class AssetService:
    """One per process; see `start`."""

    def __init__(self, profile: str, store: Store, mirror: Mirror, torch_home: Path):
        self.profile, self.store, self.mirror, self.torch_home = profile, store, mirror, torch_home

    @classmethod
    def start(cls, profile: str = "smoke", cache_dir: Path | None = None, task_python: str | None = None,
              log=None) -> "AssetService":
        """Generate missing smoke assets (cached by generator version) or check the full cache, then serve."""
        if profile not in ("smoke", "full"):
            raise ValueError(f"unknown asset profile {profile!r}")
        if cache_dir is None:
            from ..taskenv import cache_root
            cache_dir = cache_root() / "assets"
        store = Store(Path(cache_dir), profile, task_python or (_default_task_python() if profile == "smoke" else None))
        assets = manifest.order()
        if profile == "full":  # serve what `mldevbench assets fetch` put there; the rest answers 404
            missing = [a.name for a in assets if a.kind != "missing" and not store.present(a)]
            if missing and log:
                log(f"mldevbench assets: not in the full cache (run `mldevbench assets fetch`): {', '.join(missing)}")
            assets = [a for a in assets if a.name not in missing]
        for asset in assets:
            store.ensure(asset, log)
        torch_home = store.torch_home(assets)
        return cls(profile, store, Mirror(build_routes(store, assets)), torch_home)

    # ---- what the core asks for
    def base_url(self, trial_id: str) -> str:
        return f"{self.mirror.base_url}/t/{_trial_component(trial_id)}"

    def placeholders(self, trial_id: str) -> dict[str, str]:
        base = self.base_url(trial_id)
        out = {"assets_url": base, "hf_endpoint": f"{base}/hf", "torch_home": str(self.torch_home)}
        for a in manifest.ASSETS:
            if a.kind == "missing":
                out[f"url:{a.name}"] = f"{base}/{MISSING_PATH}"
            elif a.kind == "hf":
                out[f"url:{a.name}"] = f"{base}/hf/{a.repo_id}"
            elif a.kind == "torch_weights":
                out[f"url:{a.name}"] = a.real_source  # never served: torch.hub finds it in TORCH_HOME
            else:
                out[f"url:{a.name}"] = f"{base}/{a.name}/{a.url_file}"
        return out

    def sandbox_env(self, trial_id: str, home: Path) -> dict[str, str]:
        base = self.base_url(trial_id)
        hf_home = Path(home) / ".cache" / "huggingface"
        hf_home.mkdir(parents=True, exist_ok=True)
        return {
            "HF_ENDPOINT": f"{base}/hf",
            "HF_HOME": str(hf_home),
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HUB_DISABLE_XET": "1",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "HF_HUB_ETAG_TIMEOUT": "30",
            "DO_NOT_TRACK": "1",
            "TORCH_HOME": str(self.torch_home),
            "WANDB_MODE": "offline",
            "WANDB_SILENT": "true",
            "WANDB_DISABLE_GIT": "true",
            "MLDB_ASSETS_URL": base,
            "MLDB_ASSETS_PROFILE": self.profile,
            TV_MIRROR_ENV: f"{base}/torchvision/",
        }

    def sandbox_ro_paths(self) -> list[Path]:
        return [self.torch_home]

    def reference(self, name: str) -> Path:
        """The grader-side directory holding exactly the bytes served for asset `name` (plus meta.json above it)."""
        asset = manifest.get(name)
        if asset.kind == "missing":
            raise KeyError(f"asset {name!r} has no bytes")
        return self.store.files_dir(asset)

    def meta(self, name: str) -> dict:
        """Checksums of the served files and the values recorded when the asset was built."""
        return self.store.meta(manifest.get(name))

    def access_log(self, trial_id: str) -> list[dict]:
        return self.mirror.log.get(_trial_component(trial_id))

    def serve_directory(self, name: str, path: Path) -> None:
        """Also serve every file under `path` at `{assets_url}/<name>/<relative path>` (task bundles)."""
        for p in sorted(Path(path).rglob("*")):
            if p.is_file():
                self.mirror.routes.files[f"{name}/{p.relative_to(path).as_posix()}"] = p

    def stop(self) -> None:
        self.mirror.stop()


def build_routes(store: Store, assets: list[Asset]) -> Routes:
    files: dict[str, Path] = {}
    flat: dict[str, list[Path]] = {}
    tv_files: dict[str, Path] = {}
    hf: dict[str, HfRepo] = {}
    for a in assets:
        if a.kind in ("archive", "torchvision"):
            for f in a.files:
                path = store.files_dir(a) / f
                files[f"{a.name}/{f}"] = path
                flat.setdefault(f, []).append(path)
                if a.kind == "torchvision":
                    tv_files[f] = path
        elif a.kind == "hf" and a.hf_published:
            digests = store.meta(a)["files"]
            hf[a.repo_id] = HfRepo(a.repo_id, {n: store.files_dir(a) / n for n in digests}, digests)
    for name, paths in flat.items():
        if len(paths) == 1 and name not in files:
            files[name] = paths[0]
    return Routes(files, tv_files, torchvision_checksums(store, assets), hf)


def torchvision_checksums(store: Store, assets: list[Asset]) -> dict:
    """What taskenv_site patches into torchvision: nothing but the profile in full, the smoke MD5s in smoke."""
    if store.profile == "full":
        return {"profile": "full"}
    out: dict = {"profile": "smoke"}
    for a in assets:
        if a.kind != "torchvision":
            continue
        meta = store.meta(a)
        files = meta["files"]
        rec = meta["recorded"]
        if a.torchvision_class in ("CIFAR10", "CIFAR100"):
            members = rec["member_md5"]
            train = [n for n in members if n.startswith("data_batch_")] if a.torchvision_class == "CIFAR10" else ["train"]
            test = ["test_batch"] if a.torchvision_class == "CIFAR10" else ["test"]
            meta_name = "batches.meta" if a.torchvision_class == "CIFAR10" else "meta"
            out[a.torchvision_class] = {"tgz_md5": files[a.files[0]]["md5"],
                                        "train_list": [[n, members[n]] for n in sorted(train)],
                                        "test_list": [[n, members[n]] for n in test],
                                        "meta_md5": members[meta_name]}
        elif a.torchvision_class == "MNIST":
            out["MNIST"] = {"resources": [[f, files[f]["md5"]] for f in a.files]}
        elif a.torchvision_class == "VOCSegmentation":
            out["VOC2012"] = {"md5": files[a.files[0]]["md5"]}
    return out
