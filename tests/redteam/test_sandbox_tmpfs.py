"""The local sandbox's in-memory filesystems are bounded: writing there cannot take the host's RAM."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pytest_mldevbench.sandbox.base import SandboxSpec
from pytest_mldevbench.sandbox.local import MASK_BYTES, LocalSandbox

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")


def test_tmp_shm_and_masks_have_a_size(tmp_path):
    hidden = tmp_path / "hidden"
    (hidden / "ws").mkdir(parents=True)
    script = (f"head -c {2 * MASK_BYTES} /dev/zero > {hidden}/big; echo mask=$?; "
              "echo ok > f; cat f; grep -E ' /tmp | /dev/shm ' /proc/self/mounts")
    spec = SandboxSpec(argv=["bash", "-c", script], cwd=hidden / "ws", env={"PATH": "/usr/bin:/bin"},
                       rw_paths=[hidden / "ws"], hidden_paths=[hidden], stdout=tmp_path / "log", memory_gb=2)
    LocalSandbox().run(spec, timeout=60)
    log = (tmp_path / "log").read_text()
    assert "mask=1" in log and "No space left" in log, log
    assert "ok" in log, log  # the workspace inside the mask is still writable
    assert log.count("size=2097152k") == 2, log  # /tmp and /dev/shm: the task's memory budget
