"""Fixtures for the asset tests: one AssetService for the session (task_python: tests/conftest.py)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def assets_cache() -> Path:
    """A persistent cache (generation takes minutes once): MLDB_ASSETS_CACHE, else the harness cache."""
    given = os.environ.get("MLDB_ASSETS_CACHE")
    if given:
        return Path(given)
    from pytest_mldevbench.taskenv import cache_root
    return cache_root() / "assets"


@pytest.fixture(scope="session")
def svc(task_python, assets_cache):
    from pytest_mldevbench.assets import AssetService
    service = AssetService.start("smoke", assets_cache, task_python=task_python)
    yield service
    service.stop()


@pytest.fixture
def trial_env(svc, tmp_path):
    """(trial_id, sandbox env) for a fresh trial admitted to every asset, with an empty HF_HOME under tmp_path."""
    from pytest_mldevbench.assets import manifest
    trial = f"test-{tmp_path.name}"
    svc.admit(trial, [a.name for a in manifest.ASSETS])  # these tests exercise the loaders, not the allow-list
    return trial, svc.sandbox_env(trial, tmp_path / "home")

