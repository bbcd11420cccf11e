"""The docker sandbox (--sandbox docker): the same trials as the local sandbox, inside one container each."""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from pytest_mldevbench.sandbox import SandboxSpec
from tests.host_listener import HostListener

HELLO = "cases/extras/hello_world"
DOCKER = "--sandbox=docker"


@pytest.mark.parametrize("case", [HELLO, "cases/debugging/nan_loss_debug"])
def test_oracle_passes_and_null_fails(bench, docker_image, case):
    run = bench(case, "--agent=oracle,null", DOCKER)
    oracle, null = run.trial("oracle"), run.trial("null")
    assert oracle["sandbox"] == "docker"
    assert oracle["outcome"] == "passed", f"{oracle['detail']}\n{run.output[-3000:]}"
    assert null["outcome"] == "failed", null["detail"]


def test_agent_cannot_read_the_repository_or_grading_material(bench, docker_image):
    run = bench(HELLO, "--agent=oracle,probe-snoop", "--mldb-keep", DOCKER)
    trial = run.trial("probe-snoop")
    assert trial["outcome"] == "failed"
    found = Path(trial["scratch_dir"]) / "workspace" / "found.txt"
    assert found.is_file(), "the probe left no report"
    assert found.read_text().strip() == "", f"the container exposed:\n{found.read_text()[:2000]}"


def test_background_process_cannot_touch_the_graded_snapshot(bench, docker_image):
    run = bench(HELLO, "--agent=probe-background", "--mldb-keep", DOCKER)
    trial = run.trial("probe-background")
    assert trial["outcome"] == "passed", trial["detail"]
    time.sleep(5)  # the detached writer would have fired by now had it survived the container
    ws = Path(trial["scratch_dir"]) / "workspace"
    assert (ws / "hello.py").is_file(), "the kept workspace was not found"
    assert not (ws / "late_write").exists(), "a process the agent left behind survived the stop"
    assert "Hello, World!" in (ws / "hello.py").read_text()


def test_memory_limit_fails_the_trial_with_reason_oom(bench, docker_image):
    run = bench(HELLO, "-p", "tests.docker.probes", "--agent=probe-oom", "--mldb-keep", DOCKER)
    trial = run.trial("probe-oom")
    assert trial["outcome"] == "failed", trial["detail"]  # not "error": the agent broke a limit, not the harness
    assert trial["reason"] == "oom" and trial["agent_status"] == "oom", trial
    ws = Path(trial["scratch_dir"]) / "workspace"
    assert (ws / "hello.py").is_file() and not (ws / "survived_oom").exists()


# -- the network: only the loopback ports named in the environment, through the bridge ---------------
NET_PROBE = r"""
import json, os, socket, sys
def attempt(host, port):
    try:
        s = socket.create_connection((host, int(port)), timeout=3)
        data = s.recv(16).decode(errors="replace")
        s.close()
        return "connected:" + data.strip()
    except Exception as exc:
        return type(exc).__name__
out = {"targets": {}}
for target in sys.argv[1:]:
    host, port = target.rsplit(":", 1)
    out["targets"][target] = attempt(host, port)
try:
    out["dns"] = socket.gethostbyname("deb.debian.org")
except Exception as exc:
    out["dns"] = type(exc).__name__
out["uid"] = os.getuid()
out["docker_sock"] = os.path.exists("/var/run/docker.sock")
out["repo_listing"] = os.listdir(os.environ["REPO"]) if os.path.isdir(os.environ["REPO"]) else []
try:
    open("/usr/probe_write", "w")
    out["rootfs_writable"] = True
except OSError:
    out["rootfs_writable"] = False
out["interfaces"] = sorted(os.listdir("/sys/class/net"))
open("net.json", "w").write(json.dumps(out))
"""


def _host_addresses() -> list[str]:
    res = subprocess.run(["hostname", "-I"], capture_output=True, text=True)
    return [a for a in res.stdout.split() if ":" not in a] if res.returncode == 0 else []


def test_container_reaches_only_the_bridged_ports(docker_image, tmp_path):
    from pytest_mldevbench.sandbox.docker import DockerSandbox
    from pytest_mldevbench.taskenv import REPO_ROOT
    allowed, forbidden, public = HostListener("127.0.0.1"), HostListener("127.0.0.1"), HostListener("0.0.0.0")
    ws = tmp_path / "ws"
    ws.mkdir()
    # public addresses and the host's own (no private ranges: were the sandbox broken, that would be real traffic)
    targets = [f"127.0.0.1:{allowed.port}", f"127.0.0.1:{forbidden.port}", "8.8.8.8:53", "1.1.1.1:443"]
    targets += [f"{a}:{public.port}" for a in _host_addresses()]
    spec = SandboxSpec(
        argv=["python3", "-c", NET_PROBE, *targets], cwd=ws, rw_paths=[ws], hidden_paths=[REPO_ROOT],
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(ws), "REPO": str(REPO_ROOT),
             # a loopback URL in the environment (as the meter's or the mirror's) is what gets bridged
             "OPENAI_BASE_URL": f"http://127.0.0.1:{allowed.port}/v1"},
        stdout=tmp_path / "log", cpus=1, memory_gb=1)
    try:
        box = DockerSandbox()
        box.check()
        run = box.run(spec, timeout=120)
    finally:
        for s in (allowed, forbidden, public):
            s.close()
    log = (tmp_path / "log").read_text()
    assert run.returncode == 0, log
    out = json.loads((ws / "net.json").read_text())
    reached = {t: r for t, r in out["targets"].items() if r.startswith("connected")}
    assert reached == {f"127.0.0.1:{allowed.port}": "connected:ok"}, out
    assert allowed.hits == 1 and forbidden.hits == 0 and public.hits == 0
    assert out["dns"] in ("gaierror",), out
    assert out["interfaces"] == ["lo"], out
    assert out["uid"] != 0 and not out["rootfs_writable"] and not out["docker_sock"]
    assert out["repo_listing"] == [], out  # the repository is an empty folder inside


def test_no_engine_is_one_clear_line(monkeypatch):
    from pytest_mldevbench.errors import InfrastructureError
    from pytest_mldevbench.sandbox import docker as dsb
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(InfrastructureError) as info:
        dsb.client()
    msg = str(info.value)
    assert "no Docker engine reachable at unix:///nonexistent/docker.sock" in msg and "\n" not in msg


def test_sandbox_image_is_built_once_and_reused(docker_image):
    from pytest_mldevbench.sandbox import docker as dsb
    start = time.monotonic()
    assert dsb.ensure_image(dsb.client()) == docker_image
    assert time.monotonic() - start < 30  # found by its content key, not rebuilt


def test_llm_agent_reaches_the_meter_through_the_bridge(bench, docker_image):
    """ReAct in a container: its only way out is the bridged meter port; the meter talks to the backend."""
    from tests.scripted_llm import ScriptedLLM
    from tests.test_react_e2e import SCRIPTS, llm_args, totals
    script = json.loads((SCRIPTS / "hello_world.json").read_text())
    server = ScriptedLLM(script, per_conversation=True).start()
    try:
        run = bench(HELLO, *llm_args(server), DOCKER)
    finally:
        server.stop()
    trial = run.trial("react")
    assert trial["outcome"] == "passed", f"{trial['detail']}\n{run.output[-3000:]}"
    assert trial["steps"] == totals(script)["calls"]


def test_agent_timeout_stops_the_container(bench, docker_image):
    start = time.monotonic()
    run = bench(HELLO, "--agent=probe-sleep", "--agent-timeout=3", DOCKER)
    trial = run.trial("probe-sleep")
    assert trial["outcome"] == "failed" and trial["reason"] == "timeout", trial["detail"]
    assert time.monotonic() - start < 180
    import docker
    left = docker.from_env().containers.list(all=True, filters={"label": "mldevbench.trial"})
    assert not [c for c in left if c.status == "running" and "sleep 300" in " ".join(c.attrs["Args"])]


def test_graded_code_can_create_folders_in_hidden_places(bench, docker_image):
    run = bench("tests/docker/cases/extras/hidden_home_probe", "--agent=oracle,null", DOCKER)
    assert run.trial("oracle")["outcome"] == "passed", run.trial("oracle")["detail"]
    assert run.trial("null")["outcome"] == "failed"
