"""The file-access audit (sandbox/fileaudit.py): a sandboxed run's opens, execs and chdirs into hidden places are
recorded by the harness from the kernel's notifications, whatever the run's code does to hide them."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_mldevbench.sandbox import fileaudit
from pytest_mldevbench.sandbox.base import SandboxSpec
from pytest_mldevbench.sandbox.local import LocalSandbox, _bwrap

pytestmark = pytest.mark.skipif(_bwrap() is None or not fileaudit.supported(), reason="needs bubblewrap, x86_64/arm64")
REPO = Path(__file__).resolve().parents[1]


def _run(tmp_path, code: str, audit=True):
    hidden = tmp_path / "hidden"
    trial = hidden / "trial"
    ws = trial / "workspace"
    ws.mkdir(parents=True)
    (hidden / "secret").mkdir()
    (hidden / "secret" / "answer.txt").write_text("42")
    spec = SandboxSpec(argv=["/usr/bin/python3", "-c", textwrap.dedent(code)], cwd=ws, env={"PATH": "/usr/bin:/bin"},
                       rw_paths=[ws], hidden_paths=[hidden, REPO], stdout=tmp_path / "log",
                       audit=[trial] if audit else None)
    sandbox = LocalSandbox()
    try:
        run = sandbox.run(spec, timeout=60)
    finally:
        sandbox.close()
    return run, hidden, (tmp_path / "log").read_text()


def test_reaching_into_hidden_places_is_recorded_however_it_is_spelt(tmp_path):
    run, hidden, log = _run(tmp_path, f"""
        import os
        for p in ({str(tmp_path / 'hidden/secret/answer.txt')!r}, {str(REPO / 'cases')!r}):
            try: open(p)
            except OSError as e: print('refused', e.errno)
        os.chdir('..')            # its own trial folder: not a probe
        os.listdir('.')
        try: os.chdir('..')       # the hidden place holding other trials
        except OSError: pass
        try: open('secret/answer.txt')  # relative to where it is now
        except OSError: pass
        fd = os.open('/', os.O_RDONLY)
        try: os.open({str(REPO)[1:] + '/README.md'!r}, os.O_RDONLY, dir_fd=fd)
        except OSError: pass
        os.system('ls /nonexistent-but-not-hidden >/dev/null 2>&1')
        try: os.mkdir({str(REPO / 'planted')!r})
        except OSError: pass
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        print('io_uring', libc.syscall(425, 4, ctypes.create_string_buffer(120)), ctypes.get_errno())
        """)
    assert run.returncode == 0, log
    assert "refused 2" in log  # the mounts still decide: nothing of it exists in the view
    assert "io_uring -1 38" in log  # no way to open files past the filter
    assert run.probes == [str(hidden / "secret/answer.txt"), str(REPO / "cases"), str(hidden),
                          str(REPO / "README.md"), str(REPO / "planted")], run.probes


def test_a_run_that_stays_in_its_view_is_clean_and_setup_is_not_counted(tmp_path):
    run, _, log = _run(tmp_path, "import json, os; os.listdir('.'); open('x.json', 'w').write('{}'); os.system('true')")
    assert run.returncode == 0, log
    assert run.probes == []  # bubblewrap opened the init from the repository on the host: setup, not the run


def test_no_audit_unless_asked(tmp_path):
    run, _, _ = _run(tmp_path, f"open({str(REPO / 'cases')!r})", audit=False)
    assert run.returncode != 0 and run.probes == []


def test_probe_rule():
    audit = fileaudit.FileAudit([Path("/repo"), Path("/out")], [Path("/repo/.venv"), Path("/out/t1")])
    try:
        assert audit.is_probe("/repo/cases/x/solution") and audit.is_probe("/repo")
        assert audit.is_probe("/out/t1/../t2/result.json")  # normalised: another trial
        assert not audit.is_probe("/repo/.venv/bin/python") and not audit.is_probe("/out/t1/agent/log")
        assert not audit.is_probe("/usr/lib/python3/os.py") and not audit.is_probe("/repository")
    finally:
        audit.close()
    assert len(fileaudit.program("x86_64")) % 8 == 0 and len(fileaudit.program("aarch64")) % 8 == 0
