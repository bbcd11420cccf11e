"""Stand-in `full` caches for tests: smoke bytes (real formats) placed where `mldevbench assets fetch --profile
full` would put the real ones, so the full-profile code paths (derived bundles, validators' full branches, the
oracles' full recipes) run on this machine, which cannot download the real data. Test-only: the harness never
writes a full cache entry it did not fetch and verify.

    python -m tests.standin_full ASSETS_CACHE NAME [NAME ...]
(ASSETS_CACHE: the folder holding smoke/ and full/, e.g. $MLDB_CACHE/assets; the smoke copies are generated
there if missing.)
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Collection
from pathlib import Path

from pytest_mldevbench.assets import manifest
from pytest_mldevbench.assets.store import Store, describe_files


REPO = Path(__file__).resolve().parents[1]
# the real assets tests/standin_data.py writes full-scale learnable stand-ins of (run in the task environment)
LEARNABLE = ("boolq", "cifar-10", "cifar-100", "imagenette2-160", "voc2012-seg")
# The performance tasks' smoke sources in the real layouts (manifest notes: "full: the real `<name>`"): their
# validators' full branches carve the task's splits from these, sized as their smoke calibration assumed.
PERF_SOURCES = {"boolq": "boolq-p5", "imagenette2-160": "imagenette2-160-p2", "voc2012-seg": "voc2012-seg-p4"}


def install(assets_cache: Path, names: list[str], task_python: str | None = None,
            sources: dict[str, str] | None = None, learnable: Collection[str] = ()) -> dict[str, Path]:
    """Copy the smoke files of each named real asset (or of the smoke asset `sources` maps it to) to
    <assets_cache>/full/<name>/real/; those named in `learnable` are written by tests/standin_data.py instead
    (full-scale, learnable stand-ins). Returns the dirs."""
    from pytest_mldevbench.taskenv import task_python as default_python
    smoke = Store(Path(assets_cache), "smoke", task_python or str(default_python()))
    out = {}
    for name in names:
        asset = manifest.get(name)
        if asset.kind == "missing" or asset.smoke_only or asset.full_from:
            raise ValueError(f"{name} has no fetched full cache entry (missing, smoke-only or derived)")
        generate = name in learnable
        source = manifest.get((sources or {}).get(name, name))
        target = Path(assets_cache) / "full" / name / "real"
        if not (target / "meta.json").is_file():
            tmp = target.with_name("real.tmp-standin")
            shutil.rmtree(tmp, ignore_errors=True)
            if generate:
                subprocess.run([smoke.task_python, "-m", "tests.standin_data", name, str(tmp / "files")], check=True,
                               cwd=REPO)
                what = "learnable stand-in (tests/standin_data.py)"
            else:
                smoke.ensure(source)
                shutil.copytree(smoke.files_dir(source), tmp / "files")
                what = f"smoke bytes of {source.name}"
            meta = {"asset": name, "profile": "full", "key": "real",
                    "standin": f"{what} (tests only)", "files": describe_files(tmp / "files"), "recorded": {}}
            (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
            tmp.replace(target)
        out[name] = target
    return out


def cache_root(root: Path, names: list[str], task_python: str | None = None,
               sources: dict[str, str] | None = None, learnable: Collection[str] = ()) -> Path:
    """A whole MLDB_CACHE folder for a `--profile=full` session on stand-ins: the machine's task environment,
    agent environments and smoke assets linked in, `assets/full/` holding stand-ins of `names` (and what is
    derived from them on first use, built there)."""
    from pytest_mldevbench.taskenv import cache_root as real_root
    root.mkdir(parents=True, exist_ok=True)
    for sub in ("envs", "agents", "variants", "assets/smoke"):
        (real_root() / sub).mkdir(parents=True, exist_ok=True)
        (root / sub).parent.mkdir(parents=True, exist_ok=True)
        if not (root / sub).exists():
            (root / sub).symlink_to(real_root() / sub)
    install(root / "assets", names, task_python, sources, learnable)
    return root


def full_names(tasks) -> list[str]:
    """The assets with a fetched full cache entry that trials of `tasks` need (their full bundles are cut from
    these or placed by hand, as cifar10-improve's checkpoint is)."""
    from pytest_mldevbench.assets.service import needed_assets
    names = []
    for task in tasks:
        for name in needed_assets(task):
            asset = manifest.get(name)
            names += [d for d in asset.full_from] or ([] if asset.smoke_only or asset.kind == "missing" else [name])
    return list(dict.fromkeys(names))


if __name__ == "__main__":
    for name, path in install(Path(sys.argv[1]), sys.argv[2:]).items():
        print(f"{name:32s} {path}")
