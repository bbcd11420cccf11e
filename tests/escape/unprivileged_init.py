"""pytest plugin for tests: the local sandbox's init with its privilege drop taken out, as on a machine where
it cannot drop privileges (the real checks that follow must then refuse to run anything)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from pytest_mldevbench.sandbox import local

_folder = Path(tempfile.mkdtemp(prefix="mldb-broken-init-"))
_folder.chmod(0o755)
_text = local.INIT.read_text()
_marker = "def become(libc, uid: int, gid: int) -> None:\n"
assert _marker in _text
BROKEN = _folder / "init.py"
BROKEN.write_text(_text.replace(_marker, _marker + "    return  # (this test's machine cannot drop privileges)\n"))
BROKEN.chmod(0o644)
local.INIT = BROKEN
