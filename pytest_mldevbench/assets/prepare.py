"""Getting a run's assets ready before its first trial: generated (smoke) or fetched (full) side by side.

`prepare(store, names)` works through the named assets and what they are built from, as a graph: an asset
starts once its sources are ready, at most `jobs` at a time (default: the machine's cores; each generator is
one single-threaded process, each fetch one download). Among those ready, the one heading the longest chain of
work goes first, by the generation times this cache recorded for earlier versions. Each asset keeps the
Store's per-asset file lock, so another process preparing the same cache (another run, an xdist worker that
needs one on its own) waits for it instead of building it twice. One progress line is redrawn as assets
finish. A failure does not stop the others: the trial that needs the asset reports it.

`AssetPreparation` calls it from pytest on the controller once the trials are collected (under xdist, when
the first worker reports its collection, before any trial is handed out).
"""
from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Callable, Iterable

import pytest

from ..errors import InfrastructureError
from . import manifest
from .manifest import Asset
from .store import AssetBuildError, Store

BAR_WIDTH = 24


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def sources(asset: Asset, profile: str) -> tuple[str, ...]:
    """The assets `asset` is built from in `profile`."""
    return asset.full_from if profile == "full" else asset.deps


def closure(names: Iterable[str], profile: str) -> list[Asset]:
    """The named assets and everything they are built from, in manifest order (sources first)."""
    wanted: set[str] = set()

    def visit(name: str) -> None:
        if name not in wanted:
            wanted.add(name)
            for src in sources(manifest.get(name), profile):
                visit(src)
    for n in names:
        visit(n)
    return [a for a in manifest.order() if a.name in wanted]


def recorded_seconds(store: Store, asset: Asset) -> float:
    """How long this asset took to generate when any version of it was last built into this cache (0 if never)."""
    best = 0.0
    base = store.root / asset.name
    for meta in base.glob("*/meta.json") if base.is_dir() else ():
        try:
            best = max(best, float(json.loads(meta.read_text()).get("generation_s") or 0))
        except (OSError, ValueError, TypeError):
            continue
    return best


class _Line:
    """The progress line: `[#####....] 5/14 assets ready | building: a, b | 42s`."""

    def __init__(self, total: int, show: Callable[[str, bool], None], clock=time.monotonic):
        self.total, self.show, self.clock = total, show, clock
        self.start = clock()
        self.done = 0

    def draw(self, running: Iterable[str], final: bool = False, note: str = "") -> None:
        filled = BAR_WIDTH * self.done // max(self.total, 1)
        names = sorted(running)
        busy = f" | {'building' if names else 'done'}: {', '.join(names[:3])}{' …' if len(names) > 3 else ''}" \
            if names else ""
        self.show(f"mldevbench assets: [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.done}/{self.total} ready"
                  f"{busy} | {self.clock() - self.start:.0f}s{note}", final)


def prepare(store: Store, names: Iterable[str], jobs: int | None = None,
            show: Callable[[str, bool], None] | None = None, derive: bool = True,
            source_map: Callable[[str], str] | None = None) -> dict[str, str]:
    """Make the named assets (and their sources) ready in `store`; returns {asset: status}, status one of
    "present", "ok" (made now), "skipped: <why>", "failed: <why>". Never raises for one asset's failure.
    `derive=False` leaves full-profile bundles cut from real assets to their first use."""
    assets = [a for a in closure(names, store.profile) if a.kind != "missing"]
    for a in assets:
        store.key(a)  # keys need the task environment's library versions: computed once, here, not in threads
    status: dict[str, str] = {}
    todo = {a.name: a for a in assets}
    for a in assets:
        if store.present(a):
            status[a.name] = "present"
            del todo[a.name]
    line = _Line(len(assets), show or (lambda text, final: None))
    line.done = len(status)
    priority = _priorities(store, assets)
    running: dict[Future, str] = {}
    jobs = jobs or default_jobs()
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="mldb-assets") as pool:
        while todo or running:
            for name in _ready(todo, status, store.profile, priority):
                if len(running) >= jobs:
                    break
                blocked = [s for s in sources(todo[name], store.profile) if not status[s] in ("present", "ok")]
                asset = todo.pop(name)
                if blocked:
                    status[name] = f"skipped: needs {', '.join(blocked)}"
                    line.done += 1
                    continue
                running[pool.submit(_make, store, asset, derive, source_map)] = name
            if running:
                line.draw(running.values())
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    name = running.pop(future)
                    status[name] = future.result()
                    line.done += 1
    failed = sum(s.startswith("failed") for s in status.values())
    line.draw((), final=True, note=f" ({failed} failed)" if failed else "")
    return {a.name: status[a.name] for a in assets}


def _ready(todo: dict[str, Asset], status: dict[str, str], profile: str, priority: dict[str, float]) -> list[str]:
    """Assets whose sources are settled, most urgent first."""
    ready = [n for n, a in todo.items() if all(s in status for s in sources(a, profile))]
    return sorted(ready, key=lambda n: -priority[n])


def _priorities(store: Store, assets: list[Asset]) -> dict[str, float]:
    """Seconds of the longest chain of recorded work an asset heads (itself plus what is built from it);
    a chain head without records still outranks a lone asset by its count of dependents."""
    own = {a.name: recorded_seconds(store, a) for a in assets}
    users: dict[str, list[str]] = {a.name: [] for a in assets}
    for a in assets:
        for src in sources(a, store.profile):
            users.setdefault(src, []).append(a.name)
    out: dict[str, float] = {}
    for a in reversed(assets):  # manifest order puts sources first: users are settled before their sources
        out[a.name] = own[a.name] + max((out[u] + 1e-3 for u in users[a.name]), default=0.0)
    return out


def _make(store: Store, asset: Asset, derive: bool, source_map) -> str:
    """Build one asset whose sources are ready; its status."""
    try:
        if store.profile == "smoke":
            store.ensure(asset)
            return "ok"
        if asset.smoke_only:
            return "skipped: smoke only (its validator reads the real asset)"
        if asset.full_from:
            if not derive:
                return f"skipped: derived from {', '.join(asset.full_from)} on first use"
            store.ensure(asset)
            return "ok"
        from .fetch import fetch, source_urls
        if not source_urls(asset):
            return "skipped: no real source (served as 404 or built by a task)"
        return fetch(store.root.parent, [asset.name], source_map, progress=False, log=lambda m: None)[asset.name]
    except AssetBuildError as exc:
        given = getattr(exc, "results", {}).get(asset.name)  # fetch's own "failed: <reason>"
        return given or "failed: " + (str(exc).strip().splitlines() or [type(exc).__name__])[0][:500]
    except OSError as exc:
        return f"failed: {exc}"


class AssetPreparation:
    """pytest glue (controller only): prepare the assets of the collected trials before the first one runs."""

    def __init__(self, config, profile: str, cache_dir: Path, task_python: Callable[[], str]):
        self.config, self.profile, self.cache_dir, self.task_python = config, profile, cache_dir, task_python
        self.done = False

    def pytest_collection_finish(self, session):
        from ..trial import param_of
        self._run([Path(item.path).parent for item in session.items if param_of(item) is not None])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids):
        root = self.config.rootpath
        self._run([(root / nodeid.split("::", 1)[0]).parent for nodeid in ids])

    def _run(self, folders: list[Path]) -> None:
        names = _task_assets(folders)
        if self.done or not names or self.config.option.collectonly:
            return
        self.done = True
        line = TerminalLine(self.config.pluginmanager.get_plugin("terminalreporter"))
        try:
            store = Store(self.cache_dir, self.profile, self.task_python() if self.profile == "smoke" else None)
            statuses = prepare(store, names, show=line)
        except (InfrastructureError, AssetBuildError, OSError) as exc:  # the trials will meet it and say so
            line.note(f"mldevbench assets: not prepared ahead: {str(exc).splitlines()[0] if str(exc) else exc!r}")
            return
        for name, status in statuses.items():
            if status.startswith("failed"):
                line.note(f"mldevbench assets: {name} {status} (the trials that need it will say so)")


def _task_assets(folders: list[Path]) -> list[str]:
    """Asset names of the tasks in these case folders (folders without a task.toml are not tasks)."""
    from ..errors import TaskError
    from ..tasks import load_task
    from .service import needed_assets
    names: list[str] = []
    for folder in dict.fromkeys(folders):
        if (folder / "task.toml").is_file():
            try:
                names += needed_assets(load_task(folder))
            except TaskError:
                continue  # reported where the task is collected
    return list(dict.fromkeys(names))


class TerminalLine:
    """Draws the progress line through pytest's terminal reporter (redrawn in place on a terminal; in a log,
    the first and the last state only) or, without one, on stderr."""

    def __init__(self, reporter=None, stream=None):
        self.reporter, self.stream = reporter, stream if stream is not None else sys.stderr
        self.tty = reporter.isatty() if reporter is not None else self.stream.isatty()
        self.drawn = False

    def __call__(self, text: str, final: bool) -> None:
        if self.tty:
            if self.reporter is not None:
                self.reporter.rewrite(text, erase=True)
            else:
                self.stream.write("\r\033[K" + text)
                self.stream.flush()
            if final:
                self._newline()
        elif final or not self.drawn:
            self.note(text)
        self.drawn = True

    def _newline(self) -> None:
        if self.reporter is not None:
            self.reporter.write_line("")
        else:
            self.stream.write("\n")

    def note(self, text: str) -> None:
        if self.reporter is not None:
            self.reporter.write_line(text)
        else:
            print(text, file=self.stream)
