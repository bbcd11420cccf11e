"""The local sandbox when the harness is not root: bubblewrap's own user namespace, the same init, the same
refusals. Run from root as uid 65534 (nobody) with the system's python; skipped, with the reason, where this
machine cannot (no setpriv, no system python, or the checkout unreadable to nobody).

Why not the whole escape arena as nobody: a session needs its interpreter, the task environment and writable
caches reachable by that user; where they live under root's home (mode 700, as ./dev.sh and CI set them up)
it cannot start. The sandbox is the part that differs, and it is what this test runs."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
import tempfile
from pathlib import Path

import pytest

from tests.host_listener import HostListener

REPO = Path(__file__).resolve().parents[2]
NOBODY = 65534
SYSTEM_PYTHON = "/usr/bin/python3"

PROBE = r"""
import ctypes, json, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
out = {}
status = dict(l.split(":", 1) for l in open("/proc/self/status") if ":" in l)
out["caps"] = {k: status[k].strip() for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}
out["nnp"], out["seccomp"] = status["NoNewPrivs"].strip(), status["Seccomp"].strip()
out["remount"] = libc.mount(None, b"/usr", None, 32 | 4096, None) == 0
out["userns"] = libc.unshare(0x10000000) == 0
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3).close()
    out["host_port"] = True
except OSError:
    out["host_port"] = False
try:
    socket.getaddrinfo("example.com", 443)
    out["dns"] = True
except OSError:
    out["dns"] = False
out["seen"] = [p for p in sys.argv[2:] if os.path.exists(p)]
print(json.dumps(out))
"""

DRIVER = r"""
import json, sys
from pathlib import Path
sys.path[:0] = sys.argv[1].split(":")  # the checkout, and the harness's packages (pytest)
from pytest_mldevbench.sandbox.base import SandboxSpec
from pytest_mldevbench.sandbox.local import LocalSandbox
box = LocalSandbox()
box.check()
work = Path(sys.argv[2])
spec = SandboxSpec(argv=["/usr/bin/python3", "-I", "-c", sys.argv[3], *sys.argv[4:]], cwd=work,
                   env={"PATH": "/usr/bin:/bin"}, rw_paths=[work], stdout=work / "log", memory_gb=1)
run = box.run(spec, timeout=60)
print(json.dumps({"code": run.returncode, "limits": box.limits(), "log": (work / "log").read_text()}))
box.close()
"""


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "the test switches to uid 65534 from root; this run is not root"
    for tool in ("setpriv", "bwrap"):
        if shutil.which(tool) is None:
            return f"{tool} not found"
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"no system python at {SYSTEM_PYTHON} (the harness's interpreter may be unreachable for nobody)"
    probe = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "test", "-r",
                            str(REPO / "pytest_mldevbench" / "sandbox" / "init.py")], capture_output=True)
    if probe.returncode != 0:
        return f"uid {NOBODY} cannot read the checkout at {REPO}"
    return None


@pytest.fixture
def shared_tmp():
    """A folder nobody can reach (pytest's own tmp_path lies in a root-only folder)."""
    path = Path(tempfile.mkdtemp(prefix="mldb-unpriv-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_sandbox_of_an_unprivileged_harness(shared_tmp):
    why = _why_not()
    if why:
        pytest.skip(why)
    tmp_path = shared_tmp
    work = tmp_path / "work"
    work.mkdir()
    os.chown(work, NOBODY, NOBODY)
    tmp_path.chmod(0o755)
    secret = tmp_path / "secret.txt"  # a host file beside the sandbox's folder: must stay out of sight
    secret.write_text("host")
    listener = HostListener()
    try:
        proc = subprocess.run(
            ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", SYSTEM_PYTHON, "-I", "-c", DRIVER,
             f"{REPO}:{sysconfig.get_paths()['purelib']}", str(work), PROBE, str(listener.port),
             str(secret), str(REPO), "/root", "/opt", "/etc/shadow"],
            capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path)})
    finally:
        listener.close()
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, result["log"]
    seen = json.loads(result["log"].strip().splitlines()[-1])
    assert all(int(v, 16) == 0 for v in seen["caps"].values()), seen
    assert seen["nnp"] == "1" and seen["seccomp"] == "2", seen
    assert not (seen["remount"] or seen["userns"] or seen["host_port"] or seen["dns"]), seen
    assert seen["seen"] == [], seen
    assert listener.hits == 0
    assert "harness's" in result["limits"]["uid"], result["limits"]


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_machine_that_cannot_drop_privileges_stops_the_session(bench, workers):
    """No silent fallback: the session stops before any trial, with one line naming what is left."""
    if os.geteuid() != 0:
        pytest.skip("as root only: the init keeps uid 0 when its privilege drop is taken out")
    run = bench("cases/extras/hello_world", "-p", "tests.escape.unprivileged_init", "--agent=oracle", "-n", workers)
    assert run.returncode == 4, run.output[-3000:]
    errors = [ln for ln in run.output.splitlines() if ln.startswith("ERROR:")]
    assert len(errors) == 1 and "cannot drop privileges: privileges left:" in errors[0], run.output[-3000:]
    assert "CapBnd" in errors[0] and "still uid 0" in errors[0], errors[0]
    assert run.report is None  # no trial ran
