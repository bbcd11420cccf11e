"""`mldevbench assets fetch --profile full` and `mldevbench assets verify` (wired into cli.py by the core)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _default_cache() -> Path:
    from ..taskenv import cache_root
    return cache_root() / "assets"


def add_subcommands(subparsers) -> None:
    p = subparsers.add_parser("assets", help="datasets and pretrained weights (fetch, verify, build)")
    sub = p.add_subparsers(dest="assets_command", required=True)
    f = sub.add_parser("fetch", help="download the real assets (full) or generate the smoke ones")
    f.add_argument("--profile", choices=["smoke", "full"], default="full")
    f.add_argument("--cache-dir", type=Path, default=None)
    f.add_argument("--only", nargs="*", default=None, help="asset names (default: all)")
    f.add_argument("--jobs", type=int, default=None, help="assets made at once (default: the machine's cores)")
    f.add_argument("--source-prefix", default=None,
                   help="fetch https://HOST/PATH from PREFIX/HOST/PATH instead (an internal mirror; "
                        "default: $MLDB_ASSETS_SOURCE_PREFIX)")
    f.set_defaults(func=_fetch)
    v = sub.add_parser("verify", help="report which assets are present and intact")
    v.add_argument("--profile", choices=["smoke", "full"], default="full")
    v.add_argument("--cache-dir", type=Path, default=None)
    v.set_defaults(func=_verify)


def _fetch(args: argparse.Namespace) -> int:
    """Side by side (`--jobs`, default the machine's cores), one progress line; then a status per asset."""
    from . import manifest
    from .prepare import TerminalLine, default_jobs, prepare
    from .store import AssetBuildError, Store
    cache = args.cache_dir or _default_cache()
    try:
        names = args.only or [a.name for a in manifest.order()]
        unknown = [n for n in names if n not in manifest.BY_NAME]
        if unknown:
            raise ValueError(f"unknown asset(s) {', '.join(unknown)}; known: {', '.join(sorted(manifest.BY_NAME))}")
        if args.profile == "smoke":
            store, source_map = Store(cache, "smoke", _task_python()), None
        else:
            from .fetch import default_source_map, prefix_rewriter
            store = Store(cache, "full")
            source_map = prefix_rewriter(args.source_prefix) if args.source_prefix else default_source_map()
        results = prepare(store, names, jobs=args.jobs or default_jobs(), show=TerminalLine(), derive=False,
                          source_map=source_map)
    except (AssetBuildError, ValueError) as exc:
        print(f"mldevbench assets fetch: {exc}", file=sys.stderr)
        return 1
    for name, status in results.items():
        print(f"{name:32s} {status}")
    failed = [f"{n}: {s.removeprefix('failed: ')}" for n, s in results.items() if s.startswith("failed")]
    if failed:
        print(f"mldevbench assets fetch: {'; '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _verify(args: argparse.Namespace) -> int:
    from .fetch import verify
    results = verify(args.cache_dir or _default_cache(), args.profile)
    for name, status in results.items():
        print(f"{name:32s} {status}")
    return 0 if all(s.startswith("ok") for s in results.values()) else 1


def _task_python() -> str:
    from .service import _default_task_python
    return _default_task_python()
