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
import sys
from pathlib import Path

from pytest_mldevbench.assets import manifest
from pytest_mldevbench.assets.store import Store, describe_files


def install(assets_cache: Path, names: list[str], task_python: str | None = None) -> dict[str, Path]:
    """Copy the smoke files of each named real asset to <assets_cache>/full/<name>/real/; returns the dirs."""
    from pytest_mldevbench.taskenv import task_python as default_python
    smoke = Store(Path(assets_cache), "smoke", task_python or str(default_python()))
    out = {}
    for name in names:
        asset = manifest.get(name)
        if asset.kind in ("private", "missing"):
            raise ValueError(f"{name} is {asset.kind}: only real assets have full cache entries")
        smoke.ensure(asset)
        target = Path(assets_cache) / "full" / name / "real"
        if not (target / "meta.json").is_file():
            tmp = target.with_name("real.tmp-standin")
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(smoke.files_dir(asset), tmp / "files")
            meta = {"asset": name, "profile": "full", "key": "real", "standin": "smoke bytes (tests only)",
                    "files": describe_files(tmp / "files"), "recorded": {}}
            (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
            tmp.replace(target)
        out[name] = target
    return out


if __name__ == "__main__":
    for name, path in install(Path(sys.argv[1]), sys.argv[2:]).items():
        print(f"{name:32s} {path}")
