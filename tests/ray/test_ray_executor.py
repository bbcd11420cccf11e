"""--executor ray on a real local Ray cluster (tests/ray/conftest.py): same report as the local executor,
GPU placement from task.toml, lost nodes retried then reported as errors, --mldb-resume, usage errors."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pytest_mldevbench.executors import plugin_args
from pytest_mldevbench.executors.ray import _feasible, resource_request
from pytest_mldevbench.tasks import Resources

REPO = Path(__file__).resolve().parents[2]
CASES = Path(__file__).parent / "cases" / "extras"
GPU_CASES = REPO / "tests" / "data" / "gpu_cases" / "extras"
SUBSET = ["cases/extras/hello_world", "cases/implementation/channel_vit_implementation_no_test"]
SAME = ("nodeid", "trial_id", "task_id", "category", "agent", "model", "run", "profile", "sandbox", "outcome",
        "success", "score", "reason", "detail", "checks", "usage", "steps", "agent_status", "agent_exit_code")


def _strip_times(value):
    if isinstance(value, dict):
        return {k: _strip_times(v) for k, v in value.items() if k != "wall_s"}
    return value


def _junit(path: Path) -> dict[str, dict[str, str]]:
    out = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property") if p.get("name") != "mldb.result"}
        kind = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
        out[f"{case.get('classname')}::{case.get('name')}"] = dict(props, _status=",".join(kind) or "passed")
    return out


def _ray_info(out: Path, task: str, param: str) -> dict:
    return json.loads((out / f"{task}__{param}" / "ray.json").read_text())


def test_oracle_subset_gives_the_same_report_as_local(ray_cluster, bench, tmp_path):
    args = [*SUBSET, "--agent=oracle,null"]
    local = bench(*args, f"--junitxml={tmp_path / 'local.xml'}")
    remote = bench(*args, "--executor=ray", f"--ray-address={ray_cluster.address}",
                   f"--junitxml={tmp_path / 'ray.xml'}")
    assert local.report and remote.report, remote.output[-3000:]
    assert remote.returncode == local.returncode == 1, remote.output[-3000:]  # the null trials fail
    pick = lambda run: sorted(({k: t[k] for k in SAME} for t in run.report["trials"]), key=lambda t: t["nodeid"])
    assert pick(remote) == pick(local)
    assert {t["outcome"] for t in remote.report["trials"] if t["agent"] == "oracle"} == {"passed"}
    assert _strip_times(remote.report["aggregates"]) == _strip_times(local.report["aggregates"])
    assert remote.report["errors"] == local.report["errors"] == []
    assert _junit(tmp_path / "ray.xml") == _junit(tmp_path / "local.xml")
    table = lambda run: run.output[run.output.index("ML-Dev-Bench results"):run.output.index("report: ")]
    assert table(remote) == table(local)
    for t in remote.report["trials"]:  # artifacts came back to the controller's --mldb-out
        folder = Path(t["artifacts_dir"])
        assert folder.parent == remote.out_dir and (folder / "agent.log").is_file() and (folder / "ray.json").is_file()
    assert (remote.out_dir / "hello_world__oracle-1" / "grading.log").is_file()


def test_gpu_task_is_placed_only_on_a_gpu_node(ray_cluster, bench):
    run = bench(str(GPU_CASES / "gpu_probe"), str(GPU_CASES / "cpu_probe"), "--runs=2", "--executor=ray",
                f"--ray-address={ray_cluster.address}")
    assert run.returncode == 0, run.output[-3000:]
    gpu_ids = {n.node_id for n in ray_cluster.gpu_nodes}
    for r in (1, 2):
        info = _ray_info(run.out_dir, "gpu_probe", f"oracle-{r}")
        assert info["resources"]["num_gpus"] == 1
        assert [a["node_id"] in gpu_ids for a in info["attempts"]] == [True]
        assert _ray_info(run.out_dir, "cpu_probe", f"oracle-{r}")["resources"]["num_gpus"] == 0
    seen = {t["task_id"]: t["checks"][0]["name"] for t in run.report["trials"] if t["run"] == 1}
    assert seen == {"gpu_probe": "saw: 0", "cpu_probe": "saw: "}  # the fake GPU Ray assigned, none for CPU tasks


def _start_controller(out: Path, cluster, env_extra: dict) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "pytest", str(CASES / "slow_probe"), "--executor=ray",
           f"--ray-address={cluster.address}", "--mldb-out", str(out), "-o", "console_output_style=classic"]
    env = dict(os.environ, **env_extra)
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _kill_running_attempt(cluster, stage: Path, attempt: int, timeout: float = 120) -> str:
    """Wait until the trial's attempt has started on some node, then kill that node."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list(stage.glob(f"*/slow_probe__oracle-1.{attempt}/started.json"))
        if found:
            node_id = json.loads(found[0].read_text())["node_id"]
            time.sleep(1.0)  # the nested session is under way
            assert cluster.kill(node_id)
            return node_id
        time.sleep(0.2)
    raise AssertionError(f"attempt {attempt} never started")


def test_killed_node_is_an_infrastructure_error_and_the_trial_is_retried(ray_cluster, tmp_path):
    out, stage = tmp_path / "out", tmp_path / "stage"
    proc = _start_controller(out, ray_cluster, {"MLDB_RAY_STAGE": str(stage), "MLDB_RAY_MAX_RETRIES": "1"})
    try:
        killed = _kill_running_attempt(ray_cluster, stage, attempt=1)
        output, _ = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == 0, output[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert [(t["outcome"], t["reason"]) for t in report["trials"]] == [("passed", None)]
    attempts = _ray_info(out, "slow_probe", "oracle-1")["attempts"]
    assert len(attempts) == 2 and attempts[0].get("lost") and not attempts[1].get("lost")
    assert "NodeDied" in attempts[0]["error"] or "WorkerCrashed" in attempts[0]["error"], attempts[0]
    assert attempts[1]["node_id"] != killed


def test_node_lost_past_the_retry_limit_is_reported_as_error_not_failure(ray_cluster, tmp_path):
    out, stage = tmp_path / "out", tmp_path / "stage"
    proc = _start_controller(out, ray_cluster, {"MLDB_RAY_STAGE": str(stage), "MLDB_RAY_MAX_RETRIES": "0"})
    try:
        _kill_running_attempt(ray_cluster, stage, attempt=1)
        output, _ = proc.communicate(timeout=300)
    finally:
        proc.kill()
    report = json.loads((out / "report.json").read_text())
    (trial,) = report["trials"]
    assert (trial["outcome"], trial["reason"]) == ("error", "infrastructure"), trial
    assert "the trial's node was lost 1 time (retry limit 0); last: NodeDiedError" in trial["detail"], trial
    final = output.strip().splitlines()[-1]  # pytest's summary line, e.g. "=== 1 error in 4.35s ==="
    assert report["errors"] and re.fullmatch(r"=+ 1 error in [\d.]+s.*=+", final), final
    assert len(_ray_info(out, "slow_probe", "oracle-1")["attempts"]) == 1


def test_resume_replays_ray_trials_without_running_them_again(ray_cluster, bench, tmp_path):
    out = tmp_path / "out"
    first = bench("cases/extras/hello_world", "--agent=oracle,null", "--executor=ray",
                  f"--ray-address={ray_cluster.address}", out=out)
    assert first.report and first.returncode == 1, first.output[-3000:]
    record = (out / "hello_world__oracle-1" / "result.json").read_text()
    again = bench("cases/extras/hello_world", "--agent=oracle,null", "--executor=ray", "--mldb-resume",
                  "--ray-address=127.0.0.1:1", out=out)  # unreachable: nothing may be submitted
    assert again.returncode == 1, again.output[-3000:]
    assert (out / "hello_world__oracle-1" / "result.json").read_text() == record
    assert [t["outcome"] for t in sorted(again.report["trials"], key=lambda t: t["agent"])] == ["failed", "passed"]


def test_unreachable_cluster_makes_every_trial_an_error(bench):
    run = bench("cases/extras/hello_world", "--agent=oracle,null", "--executor=ray", "--ray-address=127.0.0.1:1")
    assert run.report is not None, run.output[-3000:]
    assert {(t["outcome"], t["reason"]) for t in run.report["trials"]} == {("error", "infrastructure")}
    assert all("cannot reach the Ray cluster at 127.0.0.1:1" in t["detail"] for t in run.report["trials"])


@pytest.mark.parametrize("args, message", [
    (["--ray-address=auto"], "--ray-address needs --executor ray"),
    (["--executor=k8s"], "--executor must be one of local, ray, got 'k8s'"),
    (["--executor=ray", "--ray-address=http://x"], "--ray-address must be auto, host:port or ray://host:port"),
    (["--executor=ray", "-n", "2"], "--executor ray runs trials on the cluster: drop -n"),
])
def test_bad_executor_options_are_usage_errors(bench, args, message):
    run = bench("cases/extras/hello_world", *args)
    assert run.returncode == 4 and message in run.output, run.output[-2000:]


def test_resource_requests_and_feasibility():
    gpu = Resources(cpus=2, memory_gb=4, gpus=1, agent_timeout_s=60, grading_timeout_s=60)
    cpu = Resources(cpus=1, memory_gb=0.5, gpus=0, agent_timeout_s=60, grading_timeout_s=60)
    assert resource_request(gpu, gpu_all=False) == {"num_cpus": 2, "num_gpus": 1, "memory": 4 * 2 ** 30}
    assert resource_request(cpu, gpu_all=True)["num_gpus"] == 1
    nodes = [{"num_cpus": 4, "num_gpus": 0, "memory": 16 * 2 ** 30}]
    assert _feasible(resource_request(cpu, False), nodes) and not _feasible(resource_request(gpu, False), nodes)
    assert _feasible(resource_request(gpu, False), None)  # an autoscaler may add nodes


def test_plugin_args_are_forwarded_to_nested_sessions():
    assert plugin_args(["cases", "-p", "tests.cheat_agents", "-pxdist", "--agent=oracle"]) == [
        "-p", "tests.cheat_agents", "-p", "xdist"]
