"""The local sandbox: limits, the stop, and what an agent can and cannot see."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

HELLO = "cases/extras/hello_world"


def test_background_process_cannot_touch_the_graded_snapshot(bench):
    run = bench(HELLO, "--agent=probe-background", "--mldb-keep")
    trial = run.trial("probe-background")
    assert trial["outcome"] == "passed", trial["detail"]  # graded the good hello.py
    time.sleep(5)  # the detached writer would have fired by now if it had survived the stop
    ws = Path(trial["scratch_dir"]) / "workspace"
    assert (ws / "hello.py").is_file(), "the kept workspace was not found"
    assert not (ws / "late_write").exists(), "a process the agent left behind survived the stop"
    assert "Hello, World!" in (ws / "hello.py").read_text()
    from pytest_mldevbench.sandbox.local import LocalSandbox
    counted = ["process_outlived_agent"] if LocalSandbox().cgroups.version else []  # needs a run cgroup
    assert [f["flag"] for f in trial["flags"]] == counted, trial["flags"]


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
def test_what_a_command_left_is_read_by_the_harness(tmp_path):
    """When the command ends the harness reads the run's cgroup (a detached process is counted, a child the
    command waited for is not) and its network namespace's counters (a refused connect, an address with no
    route), where this machine gives the sandbox a cgroup."""
    from pytest_mldevbench.sandbox.base import SandboxSpec
    from pytest_mldevbench.sandbox.local import LocalSandbox
    box = LocalSandbox()
    if not box.cgroups.version:
        pytest.skip("no writable cgroup here: the sandbox cannot count what is left")

    def survivors(script: str) -> int:
        spec = SandboxSpec(argv=["bash", "-c", script], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"},
                           rw_paths=[tmp_path], stdout=tmp_path / "log")
        return box.run(spec, timeout=60).survivors

    def refused(code: str) -> dict:
        spec = SandboxSpec(argv=["python3", "-c", code], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"},
                           rw_paths=[tmp_path], stdout=tmp_path / "log")
        return box.run(spec, timeout=60).network_refused

    try:
        assert refused("print(1)") == {}
        assert refused("import socket\nfor a in [('127.0.0.1', 9), ('192.0.2.1', 80)]:\n    try:\n"
                       "        socket.create_connection(a, timeout=2)\n    except OSError:\n        pass\n"
                       ) == {"connects refused": 1, "no route": 1}
        assert survivors("sleep 0.2; echo done") == 0
        assert survivors("(sleep 0.3) & wait") == 0
        assert survivors("setsid sleep 60 & setsid sleep 60 & sleep 0.3") == 2
    finally:
        box.close()


def test_agent_cannot_read_the_repository_or_grading_material(bench):
    run = bench(HELLO, "--agent=oracle,probe-snoop", "--mldb-keep")  # the oracle's result is on disk first
    trial = run.trial("probe-snoop")
    assert trial["outcome"] == "failed"
    found = Path(trial["scratch_dir"]) / "workspace" / "found.txt"
    assert found.is_file(), "the probe left no report"
    text = found.read_text()
    assert text.strip() == "", f"the sandbox exposed:\n{text[:2000]}"


def test_agent_timeout_is_enforced_by_the_harness(bench):
    start = time.monotonic()
    run = bench(HELLO, "--agent=probe-sleep", "--agent-timeout=2")
    trial = run.trial("probe-sleep")
    assert trial["outcome"] == "failed" and trial["reason"] == "timeout"
    assert trial["agent_status"] == "timeout"
    assert time.monotonic() - start < 120


def test_crashed_agent_is_a_failure_with_reason(bench):
    run = bench(HELLO, "--agent=probe-crash")
    trial = run.trial("probe-crash")
    assert trial["agent_exit_code"] == 3 and trial["agent_status"] == "crash"
    # the file it wrote before crashing is graded like any other: it solved the task
    assert trial["outcome"] == "passed"


def test_memory_limit_fails_the_trial_with_reason_oom(bench):
    run = bench(HELLO, "-p", "tests.docker.probes", "--agent=probe-oom", "--mldb-keep")
    trial = run.trial("probe-oom")
    if not trial["sandbox_limits"]["memory"].startswith("cgroup"):
        pytest.skip(f"no usable cgroup here ({trial['sandbox_limits']['memory']}): memory is capped per process")
    assert trial["outcome"] == "failed" and trial["reason"] == "oom", (trial["reason"], trial["detail"])
    ws = Path(trial["scratch_dir"]) / "workspace"
    assert (ws / "hello.py").is_file() and not (ws / "survived_oom").exists()


def test_output_is_capped_head_and_tail(tmp_path):
    from pytest_mldevbench.sandbox.output import CappedLog
    log = CappedLog(tmp_path / "log", head=10, tail=6)
    for chunk in (b"0123456789ab", b"cdefgh", b"ijklmnopqrstuvwxyz"):
        log.write(chunk)
    log.close()
    text = (tmp_path / "log").read_bytes()
    assert text.startswith(b"0123456789\n[mldevbench: 20 bytes of output dropped here")
    assert text.endswith(b"uvwxyz") and log.dropped == 20


def test_a_snapshot_that_cannot_be_completed_is_an_error(tmp_path):
    """A full disk under the snapshot raises (an infrastructure error), never a truncated copy graded."""
    import os
    import subprocess

    from pytest_mldevbench import workspace
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    ws, small = tmp_path / "ws", tmp_path / "small"
    ws.mkdir()
    small.mkdir()
    (ws / "hello.py").write_text('print("Hello, World!")\n')
    (ws / "big.bin").write_bytes(b"x" * (2 << 20))
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(small)], check=True)
    try:
        with pytest.raises(workspace.SnapshotError, match="could not be completed"):
            workspace.snapshot(ws, small / "snapshot")
    finally:
        subprocess.run(["umount", str(small)], check=True)


def test_agent_cmd_in_a_venv_gets_the_whole_venv(bench, tmp_path):
    """A CLI agent installed into a venv outside the system dirs runs: its packages lie beside bin/, and the
    sandbox shows the venv whole (and the interpreter it was made from), not only bin/."""
    import json
    import subprocess
    import sys

    from tests.scripted_llm import ScriptedLLM
    from tests.test_react_e2e import SCRIPTS
    venv = tmp_path / "tool-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "mldb_venv_tool.py").write_text(
        "def main():\n    open('hello.py', 'w').write('print(\"Hello, World!\")\\n')\n")
    tool = venv / "bin" / "venv-tool"
    tool.write_text(f"#!{venv}/bin/python\nimport mldb_venv_tool\nmldb_venv_tool.main()\n")
    tool.chmod(0o755)
    server = ScriptedLLM(json.loads((SCRIPTS / "cli_hello_world.json").read_text())).start()
    try:
        run = bench(HELLO, "--agent=cli", "--model=openai/scripted", f"--llm-api-base={server.base_url}",
                    f"--llm-prices={SCRIPTS / 'prices.json'}", f"--agent-cmd={tool}")
    finally:
        server.stop()
    trial = run.trial("cli")
    assert trial["outcome"] == "passed", f"{trial['detail']}\n{run.output[-3000:]}"


def test_bubblewrap_is_found_on_the_harness_path_not_the_trials(tmp_path, monkeypatch):
    """bwrap installed outside the trial's fixed PATH (/usr/bin:/bin) is run by its absolute path."""
    import shutil

    from pytest_mldevbench.sandbox.base import SandboxSpec
    from pytest_mldevbench.sandbox.local import LocalSandbox
    real = shutil.which("bwrap")
    if real is None:
        pytest.skip("bubblewrap is not installed")
    (tmp_path / "bwrap").symlink_to(real)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    spec = SandboxSpec(argv=["true"], cwd=Path("/"), env={"PATH": "/usr/bin:/bin"}, stdout=tmp_path / "log")
    assert LocalSandbox().command(spec)[0] == str(tmp_path / "bwrap")
