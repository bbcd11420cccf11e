"""Asset benchmark: generation time and size per asset, and mirror throughput on loopback.

    MLDB_TASK_PYTHON=<task env python> python benchmarks/assets_bench.py [--cache-dir DIR] [--fresh]
        [--only NAME ...]
    python benchmarks/assets_bench.py --jobs 1 16 [--only NAME ... | --suite] [--scratch DIR]

--fresh generates into a new temporary cache (measures generation); otherwise the recorded generation
times of the cached assets are printed. --only limits it to some assets (the throughput part needs
cifar-10 and hf-bert-base-uncased, added if missing).

--jobs N ...: the smoke assets generated from scratch, once per N, each into its own new cache under
--scratch (deleted afterwards), as a run prepares them before its first trial (assets/prepare.py, N side by
side; 1 is one after another); prints each wall time, the sum of the generation times and the speed-up
over the first N given. The task environment is the cached one (built first if missing) or MLDB_TASK_PYTHON.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import tempfile
import time
import urllib.request
from pathlib import Path

from pytest_mldevbench.assets import AssetService, manifest


def compare_jobs(jobs: list[int], names: list[str], scratch: Path | None) -> None:
    import shutil

    from pytest_mldevbench.assets.prepare import TerminalLine, closure, prepare
    from pytest_mldevbench.assets.service import _default_task_python
    from pytest_mldevbench.assets.store import Store
    python = _default_task_python()
    walls, seconds = [], {}
    for n in jobs:
        cache = Path(tempfile.mkdtemp(prefix=f"mldb-assets-j{n}-", dir=scratch))
        try:
            start = time.monotonic()
            status = prepare(Store(cache, "smoke", python), names, jobs=n, show=TerminalLine())
            wall = time.monotonic() - start
            failed = {k: v for k, v in status.items() if not v.startswith(("ok", "present"))}
            metas = [json.loads(p.read_text()) for p in (cache / "smoke").glob("*/*/meta.json")]
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        walls.append(wall)
        own = {m["asset"]: m["generation_s"] for m in metas}
        seconds = seconds or own
        print(f"jobs {n:3d}: {len(status)} assets in {wall:7.1f} s wall (generation times add up to "
              f"{sum(own.values()):.1f} s)" + (f"; not ok: {failed}" if failed else ""))
        print("  " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(own.items(), key=lambda kv: -kv[1])), flush=True)
    for n, wall in zip(jobs[1:], walls[1:]):
        print(f"jobs {n} vs {jobs[0]}: {walls[0] / wall:.2f}x faster")
    # what side by side can give at best: the longest chain of an asset and its sources, or the total / cores
    chain: dict[str, float] = {}
    for a in closure(names, "smoke"):
        chain[a.name] = seconds.get(a.name, 0.0) + max((chain[d] for d in a.deps), default=0.0)
    total, (head, longest) = sum(seconds.values()), max(chain.items(), key=lambda kv: kv[1])
    top = sorted(seconds.items(), key=lambda kv: -kv[1])[:5]
    print(f"\nwith jobs {jobs[0]}, the longest: {', '.join(f'{k} {v:.1f}s' for k, v in top)}")
    print(f"longest chain: {head} and its sources, {longest:.1f} s of {total:.1f} s in all")
    for cores in (2, 4, 8, 16):
        best = max(longest, total / cores)
        print(f"  at best on {cores:2d} cores: {best:6.1f} s = {total / best:.1f}x one after another")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache-dir", type=Path, default=None)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", nargs="*", default=None, help="asset names (default: all)")
    ap.add_argument("--jobs", type=int, nargs="+", default=None, help="compare preparing with N jobs (see above)")
    ap.add_argument("--suite", action="store_true", help="--jobs: the assets the tasks under cases/ need")
    ap.add_argument("--scratch", type=Path, default=None, help="--jobs: where the fresh caches go (default: TMPDIR)")
    args = ap.parse_args()
    if args.jobs:
        if args.suite:
            from pytest_mldevbench.assets.prepare import _task_assets
            cases = Path(__file__).resolve().parent.parent / "cases"
            args.only = _task_assets(sorted(p.parent for p in cases.rglob("task.toml")))
        compare_jobs(args.jobs, args.only or [a.name for a in manifest.order() if a.kind != "missing"], args.scratch)
        return
    cache = Path(tempfile.mkdtemp(prefix="mldb-assets-")) if args.fresh else args.cache_dir
    names = [a.name for a in manifest.order()] if args.only is None else \
        list(dict.fromkeys([*args.only, "cifar-10", "hf-bert-base-uncased"]))
    start = time.monotonic()
    svc = AssetService.start("smoke", cache, assets=())
    print(f"AssetService.start (mirror up, nothing built): {time.monotonic() - start:.1f} s (cache {svc.store.root})")
    start = time.monotonic()
    svc.require(names)
    print(f"require({len(names)} assets): {time.monotonic() - start:.1f} s\n")
    print(f"{'asset':30s} {'kind':13s} {'gen s':>7s} {'size MB':>8s}  files")
    total = 0
    for a in manifest.ASSETS:
        if a.kind == "missing" or a.name not in names:
            continue
        meta = svc.meta(a.name)
        size = sum(d["size"] for d in meta["files"].values())
        total += size
        print(f"{a.name:30s} {a.kind:13s} {meta['generation_s']:7.1f} {size / 1e6:8.2f}  {len(meta['files'])}")
    print(f"{'total':30s} {'':13s} {'':7s} {total / 1e6:8.2f}\n")

    url = svc.placeholders("bench")["url:cifar-10"]
    size = int(urllib.request.urlopen(urllib.request.Request(url, method="HEAD")).headers["Content-Length"])
    t = time.monotonic()
    for _ in range(args.rounds):
        urllib.request.urlopen(url).read()
    dt = time.monotonic() - t
    print(f"mirror GET cifar-10 tarball x{args.rounds}: {args.rounds * size / dt / 1e6:.0f} MB/s")

    def get_all(_):
        return len(urllib.request.urlopen(url).read())
    t = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        n = sum(pool.map(get_all, range(8)))
    print(f"mirror 8 GETs over 4 parallel clients: {n / (time.monotonic() - t) / 1e6:.0f} MB/s")
    hf = svc.placeholders("bench")["hf_endpoint"] + "/bert-base-uncased/resolve/main/config.json"
    t = time.monotonic()
    for _ in range(200):
        urllib.request.urlopen(urllib.request.Request(hf, method="HEAD")).read()
    print(f"HF endpoint HEAD latency: {(time.monotonic() - t) / 200 * 1e3:.2f} ms/request")
    svc.stop()


if __name__ == "__main__":
    main()
