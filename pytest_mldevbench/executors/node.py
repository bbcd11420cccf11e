"""What a Ray task runs on a cluster node: one trial as a nested pytest session of that one test item.

The nested session is an ordinary local run (`--executor=local`) into a node-local output folder, so
prepare → act → stop → snapshot → grade → record happen exactly as on one machine, the validator (the
test body) included. The trial's artifact folder comes back to the controller as a gzipped tar together
with its result.json. Kept free of controller state: everything it needs arrives in `spec`.
"""
from __future__ import annotations

import ctypes
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

LOG_TAIL = 4000
# Variables of the controller's environment a node needs: model credentials and endpoints for the meter,
# and the harness's own settings (MLDB_*). Passed with the task (not stored in the job's runtime_env).
FORWARD_SUFFIXES = ("_API_KEY", "_API_BASE", "_BASE_URL", "_API_VERSION")
FORWARD_PREFIXES = ("MLDB_", "AWS_", "AZURE_", "VERTEX")
FORWARD_NAMES = ("HF_TOKEN", "GOOGLE_APPLICATION_CREDENTIALS", "WANDB_API_KEY")


def forwarded_env(environ=None) -> dict[str, str]:
    environ = os.environ if environ is None else environ
    return {k: v for k, v in environ.items()
            if k.endswith(FORWARD_SUFFIXES) or k.startswith(FORWARD_PREFIXES) or k in FORWARD_NAMES}


def stage_root(env: dict | None = None) -> Path:
    """Node-local staging folder of nested sessions: MLDB_RAY_STAGE (the controller's, else this node's), else
    <tmp>/mldevbench-ray-<uid>."""
    given = (env or {}).get("MLDB_RAY_STAGE") or os.environ.get("MLDB_RAY_STAGE")
    return Path(given or Path(tempfile.gettempdir()) / f"mldevbench-ray-{os.getuid()}")


def _die_with_parent() -> None:
    """Child of the Ray worker: if the worker dies (node lost, task cancelled), the nested session dies too."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    os.setpgrp()


def run_trial(spec: dict) -> dict:
    """Run one trial on this node; return its record, its artifacts (tar.gz bytes) and where it ran."""
    import ray

    t0 = time.monotonic()
    ctx = ray.get_runtime_context()
    where = {"node_id": ctx.get_node_id(), "node_ip": ray.util.get_node_ip_address(), "pid": os.getpid(),
             "attempt": spec["attempt"], "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES")}
    stage = stage_root(spec["env"]) / spec["session"] / f"{spec['dir_name']}.{spec['attempt']}"
    if stage.exists():
        shutil.rmtree(stage, ignore_errors=True)
    for _ in range(3):  # the session folder may vanish between its creation and ours (see the end)
        try:
            stage.mkdir(parents=True)
            break
        except FileNotFoundError:
            continue
    (stage / "started.json").write_text(json.dumps(dict(where, trial_id=spec["trial_id"])))
    root = Path(spec["rootdir"])
    if not root.is_dir():  # the project is not at the controller's path here: use the uploaded working_dir
        root = Path.cwd()
    out = stage / "out"
    cmd = [sys.executable, "-m", "pytest", spec["nodeid"], "--rootdir", str(root), "--mldb-out", str(out),
           "--executor=local", "--mldb-progress=0", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
           "-o", "console_output_style=classic", *spec["args"]]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "RAY_JOB"))}
    env.update(spec["env"])
    log = stage / "node_pytest.log"
    with log.open("wb") as fh:
        proc = subprocess.run(cmd, cwd=root, env=env, stdout=fh, stderr=subprocess.STDOUT,
                              preexec_fn=_die_with_parent)
    trial_dir = out / spec["dir_name"]
    result_file = trial_dir / "result.json"
    record = json.loads(result_file.read_text(encoding="utf-8")) if result_file.is_file() else None
    tail = log.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL:]
    artifacts = b""
    if trial_dir.is_dir():
        shutil.copy(log, trial_dir / "node_pytest.log")
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            tar.add(trial_dir, arcname=".")
        artifacts = buf.getvalue()
    if not spec.get("keep_stage"):
        shutil.rmtree(stage, ignore_errors=True)
        try:
            stage.parent.rmdir()  # the session's folder, once its last trial on this node is done
        except OSError:
            pass
    where["wall_s"] = round(time.monotonic() - t0, 3)
    return {"record": record, "artifacts": artifacts, "returncode": proc.returncode, "log_tail": tail,
            "where": where}
