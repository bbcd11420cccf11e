"""Assets prepared side by side before the first trial (assets/prepare.py)."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from pytest_mldevbench.assets import manifest
from pytest_mldevbench.assets.prepare import closure, prepare
from pytest_mldevbench.assets.store import AssetBuildError, Store


class FakeStore:
    """The Store's interface; `ensure` sleeps a little and records when each asset ran."""

    def __init__(self, root: Path, fail=(), present=(), seconds=0.05):
        self.profile, self.root = "smoke", root / "smoke"
        self.fail, self.done, self.seconds = set(fail), set(present), seconds
        self.spans: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()
        self.running = self.peak = 0

    def key(self, asset):
        return "k"

    def present(self, asset):
        return asset.name in self.done

    def ensure(self, asset, log=None):
        for dep in asset.deps:
            assert dep in self.done, f"{asset.name} started before its source {dep}"
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        start = time.monotonic()
        time.sleep(self.seconds)
        with self.lock:
            self.running -= 1
        self.spans[asset.name] = (start, time.monotonic())
        if asset.name in self.fail:
            raise AssetBuildError(f"generator for {asset.name} failed (exit 1):\nboom")
        self.done.add(asset.name)


def test_sources_first_at_most_jobs_at_a_time_and_one_line_of_progress(tmp_path):
    names = ["boolq-evaldebug", "cifar-10", "mnist", "boolq", "tv-resnet18"]
    store = FakeStore(tmp_path, present={"tv-resnet18"})
    lines = []
    status = prepare(store, names, jobs=2, show=lambda text, final: lines.append((text, final)))
    assert [a.name for a in closure(names, "smoke")][0] == "cifar-10"  # manifest order, sources included
    assert status["hf-tinybert-boolq"] == "ok" and status["boolq-evaldebug"] == "ok"  # the source came along
    assert status["tv-resnet18"] == "present" and "tv-resnet18" not in store.spans
    assert store.spans["hf-tinybert-boolq"][1] <= store.spans["boolq-evaldebug"][0]
    assert store.peak == 2
    assert min(store.spans, key=lambda n: store.spans[n][0]) == "hf-tinybert-boolq"  # heads the longest chain
    assert lines[-1][1] and lines[-1][0].startswith("mldevbench assets: [" + "#" * 24 + "] 6/6 ready")
    assert all(text.startswith("mldevbench assets: [") for text, _ in lines)


def test_a_failure_skips_what_is_built_from_it_and_nothing_else(tmp_path):
    store = FakeStore(tmp_path, fail={"hf-tinybert-boolq"})
    lines = []
    status = prepare(store, ["boolq-evaldebug", "boolq"], jobs=4, show=lambda text, final: lines.append(text))
    assert status["hf-tinybert-boolq"].startswith("failed: generator for hf-tinybert-boolq failed")
    assert status["boolq-evaldebug"] == "skipped: needs hf-tinybert-boolq"
    assert status["boolq"] == "ok"
    assert lines[-1].endswith("(1 failed)")


def test_side_by_side_is_faster_than_one_after_another(tmp_path):
    names = [a.name for a in manifest.ASSETS if a.kind != "missing" and not a.deps][:8]
    one = FakeStore(tmp_path / "1", seconds=0.2)
    start = time.monotonic()
    prepare(one, names, jobs=1)
    sequential = time.monotonic() - start
    many = FakeStore(tmp_path / "8", seconds=0.2)
    start = time.monotonic()
    prepare(many, names, jobs=8)
    assert many.peak == 8 and time.monotonic() - start < sequential / 3


def test_real_store_generates_then_finds(task_python, tmp_path):
    store = Store(tmp_path, "smoke", task_python)
    assert prepare(store, ["boolq", "boolq-p5"], jobs=2) == {"boolq": "ok", "boolq-p5": "ok"}
    assert prepare(Store(tmp_path, "smoke", task_python), ["boolq", "boolq-p5"]) == \
        {"boolq": "present", "boolq-p5": "present"}
