"""`mldevbench assets fetch --profile full` and `mldevbench assets verify` (wired into cli.py by the core)."""
from __future__ import annotations

import argparse
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
    f.add_argument("--source-prefix", default=None,
                   help="replace the scheme+host of every real URL by this prefix (an internal mirror)")
    f.set_defaults(func=_fetch)
    v = sub.add_parser("verify", help="report which assets are present and intact")
    v.add_argument("--profile", choices=["smoke", "full"], default="full")
    v.add_argument("--cache-dir", type=Path, default=None)
    v.set_defaults(func=_verify)


def _rewrite(prefix: str | None):
    if not prefix:
        return None
    from urllib.parse import urlsplit

    def rewrite(url: str) -> str:
        parts = urlsplit(url)
        return prefix.rstrip("/") + "/" + parts.netloc + parts.path
    return rewrite


def _fetch(args: argparse.Namespace) -> int:
    cache = args.cache_dir or _default_cache()
    if args.profile == "smoke":
        from . import manifest
        from .store import Store
        store = Store(cache, "smoke", _task_python())
        for asset in manifest.order():
            if not args.only or asset.name in args.only:
                store.ensure(asset, log=print)
                print(f"{asset.name:32s} ok")
        return 0
    from .fetch import fetch
    results = fetch(cache, args.only, _rewrite(args.source_prefix))
    for name, status in results.items():
        print(f"{name:32s} {status}")
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
