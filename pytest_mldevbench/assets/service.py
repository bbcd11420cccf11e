"""AssetService: serves assets on loopback and hands out per-trial URLs; builds (smoke) or finds (full) each
asset only when a task needs it.

`Services.assets(task)` asks for the task's assets (`needed_assets`: what it serves, `task_assets`, and
what its grader reads, task.toml `grader_assets`) before the trial's placeholders are rendered; the grader's
`reference`/`meta` ask for theirs. Each asset is generated once per machine (Store: per-asset file lock,
cache keyed by generator version). A trial's prefix reaches only its task's `task_assets` (`admit`); nothing
is built on request.
"""
from __future__ import annotations

import os
import re
import secrets
import threading
from pathlib import Path
from typing import Iterable

from . import manifest
from .manifest import MISSING_PATH, Asset
from .mirror import HfRepo, Mirror, Routes
from .store import Store

TV_MIRROR_ENV = "MLDB_TORCHVISION_MIRROR"  # read by taskenv_site/mldevbench_tv_mirror.py
_URL_PLACEHOLDER = re.compile(r"\{url:([^}]+)\}")


def _default_task_python() -> str:
    given = os.environ.get("MLDB_TASK_PYTHON")
    if given:
        return given
    from ..taskenv import task_python
    return str(task_python())


def task_assets(task) -> list[str]:
    """Names of the assets a task needs: task.toml `assets` and the prompt's `{url:NAME}` placeholders."""
    names = list(getattr(task, "assets", ()) or ())
    names += _URL_PLACEHOLDER.findall(getattr(task, "prompt_template", "") or "")
    return list(dict.fromkeys(names))


def needed_assets(task) -> list[str]:
    """What a trial of the task needs ready: the assets it serves and those its grader reads."""
    return list(dict.fromkeys(list(getattr(task, "grader_assets", ()) or ()) + task_assets(task)))


class AssetService:
    """One per process; see `start` and `require`."""

    def __init__(self, profile: str, store: Store, log=None):
        self.profile, self.store, self._log = profile, store, log
        self._lock = threading.RLock()
        self._ready: dict[str, Asset] = {}     # served (or, for missing/absent ones, settled)
        self._absent: set[str] = set()         # full: not in the cache, answered 404
        self._extra_files: dict[str, tuple[str, Path]] = {}  # "<name>/<file>" -> (name, file): serve_directory
        self._tokens: dict[str, str] = {}      # trial id -> the unguessable prefix of its URLs
        self.mirror = Mirror(build_routes(store, []))

    @classmethod
    def start(cls, profile: str = "smoke", cache_dir: Path | None = None, task_python: str | None = None,
              log=None, assets: Iterable[str] | None = None) -> "AssetService":
        """Start the mirror and make `assets` available (names; None: every asset of the manifest).

        Smoke assets are generated if missing (cached by generator version); full ones are taken from the
        cache `mldevbench assets fetch` fills, else downloaded now (a failure leaves them answering 404).
        The harness passes `assets=()` and asks per task (`require_for`)."""
        if profile not in ("smoke", "full"):
            raise ValueError(f"unknown asset profile {profile!r}")
        if cache_dir is None:
            from ..taskenv import cache_root
            cache_dir = cache_root() / "assets"
        store = Store(Path(cache_dir), profile, task_python or (_default_task_python() if profile == "smoke" else None))
        service = cls(profile, store, log)
        service.require([a.name for a in manifest.order()] if assets is None else assets)
        return service

    def require(self, names: Iterable[str]) -> None:
        """Build (smoke) or find (full) the named assets if not done yet, and serve them."""
        wanted = [manifest.get(n) for n in names]  # unknown names: KeyError listing the known ones
        with self._lock:
            todo = [a for a in wanted if a.name not in self._ready]
            if not todo:
                return
            for asset in todo:
                if self.profile == "full" and asset.kind != "missing" and not self.store.present(asset):
                    self._derive(asset) if asset.full_from else self._fetch(asset)
                else:
                    self.store.ensure(asset, self._log)
                self._ready[asset.name] = asset
            self._publish()

    def _publish(self) -> None:
        routes = build_routes(self.store, self.served_assets())
        for rel, (name, path) in self._extra_files.items():
            routes.files[rel], routes.owners[rel] = path, name
        self.mirror.set_routes(routes)

    def _derive(self, asset: Asset) -> None:
        """full: cut a private bundle from the real assets it is derived from (fetched first if need be); if one
        of them is absent, so is the bundle, and the grader's reference() says which to fetch."""
        self.require(asset.full_from)
        if any(d in self._absent for d in asset.full_from):
            self._absent.add(asset.name)
        else:
            self.store.ensure(asset, self._log)

    def _fetch(self, asset: Asset) -> None:
        """full: download a missing asset from its real source (or the MLDB_ASSETS_SOURCE_PREFIX mirror);
        if that fails it answers 404 and the grader's reference() says how to fetch it. A smoke-only private
        source is absent quietly: its validator reads the real asset."""
        from .fetch import fetch, source_urls
        from .store import AssetBuildError
        if asset.smoke_only:
            self._absent.add(asset.name)
            return
        why = asset.note if asset.kind == "private" else "it has no real source"
        if source_urls(asset):
            try:
                fetch(self.store.root.parent, [asset.name], progress=False, log=self._log or (lambda m: None))
                return
            except AssetBuildError as exc:
                why = str(exc)
        self._absent.add(asset.name)
        if self._log:
            self._log(f"mldevbench assets: {asset.name} is not in the full cache and cannot be fetched ({why}); "
                      "it answers 404 (run `mldevbench assets fetch --profile full`)")

    def require_for(self, task) -> None:
        """Make the assets a task needs available (see `needed_assets`); in full, one that is neither cached nor
        fetchable nor derivable (smoke-only sources aside) stops the trial with the reason and the remedy."""
        names = needed_assets(task)
        self.require(names)
        for name in names:
            if name in self._absent and not manifest.get(name).smoke_only:
                self.reference(name)  # raises AssetBuildError: what is missing and how to get it

    def served_assets(self) -> list[Asset]:
        return [a for a in manifest.order() if a.name in self._ready and a.name not in self._absent]

    # ---- what the core asks for
    def token(self, trial_id: str) -> str:
        """The trial's URL prefix: a random token (so no trial can make requests under another's prefix and
        show up in its access log), the same for the trial's whole life in this process."""
        with self._lock:
            if trial_id not in self._tokens:
                token = secrets.token_urlsafe(18)
                self._tokens[trial_id] = token
                self.mirror.log.open(token)
            return self._tokens[trial_id]

    def admit(self, trial_id: str, names: Iterable[str]) -> None:
        """Let the trial's prefix reach these assets (its task's `task_assets`); it reaches nothing else."""
        self.mirror.log.allow(self.token(trial_id), names)

    def torch_home(self, trial_id: str) -> Path:
        """The trial's read-only TORCH_HOME: the torch_weights assets it was admitted to, nothing else."""
        allowed = self.mirror.log.allowed(self.token(trial_id))
        return self.store.torch_home([a for a in self.served_assets()
                                      if a.kind == "torch_weights" and a.name in allowed])

    def base_url(self, trial_id: str) -> str:
        return f"{self.mirror.base_url}/t/{self.token(trial_id)}"

    def placeholders(self, trial_id: str) -> dict[str, str]:
        base = self.base_url(trial_id)
        out = {"assets_url": base, "hf_endpoint": f"{base}/hf", "torch_home": str(self.torch_home(trial_id))}
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
            "TORCH_HOME": str(self.torch_home(trial_id)),
            "WANDB_MODE": "offline",
            "WANDB_SILENT": "true",
            "WANDB_DISABLE_GIT": "true",
            "MLDB_ASSETS_URL": base,
            "MLDB_ASSETS_PROFILE": self.profile,
            TV_MIRROR_ENV: f"{base}/torchvision/",
        }

    def sandbox_ro_paths(self, trial_id: str) -> list[Path]:
        return [self.torch_home(trial_id)]

    def reference(self, name: str) -> Path:
        """The grader-side directory holding exactly the bytes served for asset `name` (plus meta.json above it)."""
        asset = manifest.get(name)
        if asset.kind == "missing":
            raise KeyError(f"asset {name!r} has no bytes")
        self._settle(asset)
        return self.store.files_dir(asset)

    def meta(self, name: str) -> dict:
        """Checksums of the served files and the values recorded when the asset was built."""
        asset = manifest.get(name)
        self._settle(asset)
        return self.store.meta(asset)

    def _settle(self, asset: Asset) -> None:
        self.require([asset.name])
        if asset.name in self._absent:  # full profile, not fetched
            self.store.ensure(asset)  # raises the clear "run mldevbench assets fetch" error

    def access_log(self, trial_id: str) -> list[dict]:
        return self.mirror.log.get(self.token(trial_id))

    def trial_assets(self, trial_id: str) -> dict:
        """What the trial's prefix fetched, what it was refused (not its task's), and what of its own assets was not
        found (the missing-dataset path, a file an HF repo lacks) — assets.json: one entry per request."""
        out: dict = {"fetched": [], "refused": [], "not_found": []}
        for e in self.access_log(trial_id):
            row = {"asset": e.get("asset"), "method": e["method"], "path": e["path"], "status": e["status"]}
            if e.get("refused"):
                out["refused"].append(row)
            elif 200 <= e["status"] < 300:
                out["fetched"].append(row | {"bytes": e["bytes"]})
            else:
                out["not_found"].append(row)
        return out | {"dropped": self.mirror.log.dropped(self.token(trial_id))}

    def serve_directory(self, name: str, path: Path, trial_id: str) -> None:
        """Also serve every file under `path` at `{assets_url}/<name>/<relative path>` (a task bundle made at
        prepare), reachable by this trial's prefix only (and by others that served the same name)."""
        with self._lock:
            for p in sorted(Path(path).rglob("*")):
                if p.is_file():
                    self._extra_files[f"{name}/{p.relative_to(path).as_posix()}"] = (name, p)
            self._publish()
        self.admit(trial_id, [name])

    def stop(self) -> None:
        self.mirror.stop()


def build_routes(store: Store, assets: list[Asset]) -> Routes:
    files: dict[str, Path] = {}
    owners = manifest_owners()
    flat: dict[str, list[tuple[str, Path]]] = {}
    tv_files: dict[str, Path] = {}
    hf: dict[str, HfRepo] = {}
    for a in assets:
        if a.kind in ("archive", "torchvision"):
            for f in a.files:
                path = store.files_dir(a) / f
                files[f"{a.name}/{f}"], owners[f"{a.name}/{f}"] = path, a.name
                flat.setdefault(f, []).append((a.name, path))
                if a.kind == "torchvision":
                    tv_files[f], owners[f"torchvision/{f}"] = path, a.name
        elif a.kind == "hf" and a.hf_published:
            digests = store.meta(a)["files"]
            hf[a.repo_id] = HfRepo(a.repo_id, {n: store.files_dir(a) / n for n in digests}, digests)
    for name, found in flat.items():
        if len(found) == 1 and name not in files:
            files[name], owners[name] = found[0][1], found[0][0]
    return Routes(files, tv_files, torchvision_checksums(store, assets), hf, owners)


def manifest_owners() -> dict[str, str]:
    """Mirror path -> asset name for every asset of the manifest (see Routes.owners): what a refused request
    asked for is named even when that asset is not built in this process."""
    owners: dict[str, str] = {}
    flat: dict[str, set[str]] = {}
    for a in manifest.ASSETS:
        if a.kind == "hf":
            owners[f"hf/{a.repo_id}"] = a.name
            continue
        for f in a.files:
            owners[f"{a.name}/{f}"] = a.name
            flat.setdefault(f, set()).add(a.name)
            if a.kind == "torchvision":
                owners[f"torchvision/{f}"] = a.name
    owners.update({f: next(iter(names)) for f, names in flat.items() if len(names) == 1 and f not in owners})
    return owners


def torchvision_checksums(store: Store, assets: list[Asset]) -> dict:
    """What taskenv_site patches into torchvision: nothing but the profile in full, the smoke MD5s in smoke
    (per class, with the asset it belongs to: the mirror gives a trial only its own assets' entries)."""
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
            out[a.torchvision_class] = {"asset": a.name, "tgz_md5": files[a.files[0]]["md5"],
                                        "train_list": [[n, members[n]] for n in sorted(train)],
                                        "test_list": [[n, members[n]] for n in test],
                                        "meta_md5": members[meta_name]}
        elif a.torchvision_class == "MNIST":
            out["MNIST"] = {"asset": a.name, "resources": [[f, files[f]["md5"]] for f in a.files]}
        elif a.torchvision_class == "VOCSegmentation":
            out["VOC2012"] = {"asset": a.name, "md5": files[a.files[0]]["md5"]}
    return out
