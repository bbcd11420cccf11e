"""Two processes (as two xdist workers would) each run their own mirror over one shared cache."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

WORKER = """
import hashlib, json, sys, urllib.request
from pathlib import Path
from pytest_mldevbench.assets import AssetService
svc = AssetService.start("smoke", Path(sys.argv[1]), task_python=sys.argv[2], assets=["cifar-10"])
svc.admit("w", ["cifar-10"])
url = svc.placeholders("w")["url:cifar-10"]
digests = [hashlib.sha256(urllib.request.urlopen(url, timeout=60).read()).hexdigest() for _ in range(3)]
print(json.dumps({"port": svc.mirror.port, "digests": digests, "log": len(svc.access_log("w"))}))
svc.stop()
"""


@pytest.fixture(scope="module")
def svc(task_python, assets_cache):
    """Only the asset these workers fetch (the session-wide fixture builds every asset)."""
    from pytest_mldevbench.assets import AssetService
    service = AssetService.start("smoke", assets_cache, task_python=task_python, assets=["cifar-10"])
    yield service
    service.stop()


def test_two_workers_share_cache_without_clashes(svc, task_python, assets_cache):
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(assets_cache), task_python], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    a, b = (json.loads(o[0].strip().splitlines()[-1]) for o in outs)
    expected = svc.meta("cifar-10")["files"]["cifar-10-python.tar.gz"]["sha256"]
    assert a["port"] != b["port"] and a["port"] != svc.mirror.port
    assert set(a["digests"]) == set(b["digests"]) == {expected}
    assert a["log"] == b["log"] == 3
