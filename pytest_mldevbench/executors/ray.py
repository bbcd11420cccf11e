"""The Ray executor: every trial is a Ray task on some cluster node; the pytest process is the controller.

- When collection ends, `submit_all` submits one task per trial item (in collection order), each asking
  Ray for the CPUs, GPUs and memory its task.toml declares for the active profile, so trials start as soon
  as the cluster has room and Ray does the GPU placement.
- Each test item then waits for its own trial in `result`; while it waits, every task that finishes is
  taken in (`_pump`), so a trial whose node was lost is resubmitted at once, not when its item comes up.
- A lost node or worker (Ray's system errors) is an infrastructure error: resubmitted up to
  MLDB_RAY_MAX_RETRIES times (default 2), then raised as InfrastructureError, which the plugin records as
  outcome `error` — never as an agent failure.
- The node runs the trial as a nested local pytest session (node.py); its artifact folder is unpacked
  into the controller's --mldb-out and its result.json is replayed by the item, as --mldb-resume does.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import socket
import tarfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import InfrastructureError
from ..options import RunConfig
from ..results import TrialResult
from ..tasks import load_task
from ..trial import TrialParam, dir_name
from . import node

DEFAULT_RETRIES = 2
RAY_FILE = "ray.json"  # per trial, next to result.json: where each attempt ran and what happened to it


def max_retries() -> int:
    raw = os.environ.get("MLDB_RAY_MAX_RETRIES", str(DEFAULT_RETRIES))
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        import pytest
        raise pytest.UsageError(f"MLDB_RAY_MAX_RETRIES must be a whole number >= 0, got {raw!r}")
    return value


def resource_request(resources, gpu_all: bool) -> dict:
    """Ray task options for a task's declared resources (memory in bytes; GPUs whole)."""
    gpus = max(resources.gpus, 1) if gpu_all else resources.gpus
    opts = {"num_cpus": resources.cpus, "num_gpus": gpus}
    if resources.memory_gb:
        opts["memory"] = int(resources.memory_gb * 2 ** 30)
    return opts


@dataclass
class Pending:
    nodeid: str
    spec: dict
    options: dict
    ref: object = None
    submitted: float = 0.0
    attempts: list[dict] = field(default_factory=list)
    outcome: dict | None = None      # the node's answer, once finished
    error: str | None = None         # infrastructure error after the last retry


class RayExecutor:
    remote = True

    def __init__(self, cfg: RunConfig, rootdir: Path, plugin_args: list[str],
                 finished: Callable[[Path], TrialResult | None]):
        self.cfg = cfg
        self.rootdir = rootdir
        self.plugin_args = plugin_args
        self.finished = finished
        self.session = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
        self.retries = max_retries()
        self.pending: dict[str, Pending] = {}
        self._by_ref: dict = {}
        self._ray = None
        self._remote = None

    # -- the cluster ------------------------------------------------------------------------------
    def _connect(self):
        if self._ray is not None:
            return self._ray
        try:
            import ray
        except ImportError:
            raise InfrastructureError("--executor ray needs Ray: pip install 'pytest-mldevbench[ray]'") from None
        runtime_env = {}
        working_dir = os.environ.get("MLDB_RAY_WORKING_DIR")
        if working_dir:  # a real cluster whose nodes lack the project at the controller's path: upload it
            runtime_env["working_dir"] = str(self.rootdir) if working_dir == "upload" else working_dir
            runtime_env["excludes"] = [".venv", ".git", "mldb-out", "**/__pycache__"]
        address = self.cfg.ray_address
        _check_reachable(address)
        try:
            if not ray.is_initialized():
                ray.init(address=address, runtime_env=runtime_env or None, log_to_driver=False,
                         logging_level="WARNING", include_dashboard=False if address is None else None,
                         configure_logging=False)
        except Exception as exc:  # noqa: BLE001 - any failure to reach the cluster is infrastructure
            raise InfrastructureError(f"cannot reach the Ray cluster at {address or 'a new local instance'}: "
                                      f"{type(exc).__name__}: {exc}") from None
        self._ray = ray
        self._remote = ray.remote(node.run_trial)
        return ray

    # -- submission -------------------------------------------------------------------------------
    def submit_all(self, items) -> None:
        """Submit every trial item that has not already finished (with --mldb-resume)."""
        todo = []
        for item in items:
            param = getattr(getattr(item, "callspec", None), "params", {}).get("grading")
            if not isinstance(param, TrialParam):
                continue
            task = load_task(Path(item.path).parent)
            name = dir_name(task.id, param)
            if self.cfg.resume and self.finished(self.cfg.out_dir / name / "result.json") is not None:
                continue  # the item replays its record; nothing to run
            todo.append((item, task, param, name))
        if not todo:
            return
        try:
            self._connect()
        except InfrastructureError as exc:
            for item, *_ in todo:  # every such item reports the same error
                self.pending[item.nodeid] = Pending(item.nodeid, {}, {}, error=str(exc))
            return
        capacity = _node_capacities(self._ray)
        for item, task, param, name in todo:
            spec = {
                "nodeid": item.nodeid, "rootdir": str(self.rootdir), "dir_name": name, "session": self.session,
                "trial_id": f"{task.id}[{param.id}]", "args": self._nested_args(param), "env": self._env(),
                "attempt": 1, "keep_stage": bool(os.environ.get("MLDB_RAY_KEEP_STAGE")),
            }
            options = resource_request(task.resources_for(self.cfg.profile), self.cfg.gpu_all)
            options["name"] = f"mldb:{spec['trial_id']}"
            p = Pending(item.nodeid, spec, options)
            self.pending[item.nodeid] = p
            if not _feasible(options, capacity):
                p.error = (f"no node of the Ray cluster offers {_needs(options)} (nodes: "
                           f"{'; '.join(_needs(c) for c in capacity) or 'none'}); add such a node "
                           "(or set MLDB_RAY_AUTOSCALE=1 when an autoscaler adds nodes on demand)")
                continue
            self._submit(p)

    def _nested_args(self, param: TrialParam) -> list[str]:
        c = self.cfg
        args = [f"--agent={param.agent}", f"--runs={c.runs}", f"--profile={c.profile}", f"--sandbox={c.sandbox}"]
        if param.model:
            args.append(f"--model={param.model}")
        for flag, value in (("--agent-timeout", c.agent_timeout), ("--max-steps", c.max_steps),
                            ("--max-cost", c.max_cost), ("--max-tokens", c.max_tokens),
                            ("--llm-api-base", c.llm_api_base), ("--llm-prices", c.llm_prices),
                            ("--llm-config", c.llm_config.path if c.llm_config else None),
                            ("--agent-cmd", c.agent_cmd)):
            if value is not None:
                args.append(f"{flag}={value}")
        args += ["--mldb-keep"] * c.keep + ["--mldb-gpu-all"] * c.gpu_all + ["--mldb-fail-fast"] * c.fail_fast
        return self.plugin_args + args

    def _env(self) -> dict[str, str]:
        """What the node's session needs of this environment, with the variables --llm-config names."""
        env = node.forwarded_env()
        names = [n for d in (self.cfg.llm_config.deployments if self.cfg.llm_config else ()) for n in d.env_names()]
        env.update({n: os.environ[n] for n in names if n in os.environ})
        return env

    def _submit(self, p: Pending) -> None:
        # max_retries=0: Ray must not retry on its own; a lost node comes back to us, is recorded, resubmitted
        p.ref = self._remote.options(max_retries=0, **p.options).remote(dict(p.spec))
        p.submitted = time.monotonic()
        self._by_ref[p.ref] = p

    # -- results ----------------------------------------------------------------------------------
    def result(self, item) -> TrialResult:
        """Wait for this item's trial; unpack its artifacts; return its record (InfrastructureError if lost)."""
        p = self.pending.get(item.nodeid)
        if p is None:
            raise InfrastructureError(f"trial {item.nodeid} was not submitted to the Ray cluster")
        while p.outcome is None and p.error is None:
            self._pump()
        if p.error is not None:
            self._write_ray_file(p)
            raise InfrastructureError(p.error)
        return self._take_in(p)

    def _pump(self) -> None:
        """Wait until some submitted trial finishes and handle it (a node lost → resubmit or give up)."""
        ray = self._ray
        refs = list(self._by_ref)
        done, _ = ray.wait(refs, num_returns=1, timeout=None)
        for ref in done:
            p = self._by_ref.pop(ref)
            latency = round(time.monotonic() - p.submitted, 3)
            try:
                answer = ray.get(ref)
            except (ray.exceptions.RayTaskError, ray.exceptions.TaskCancelledError) as exc:
                # the task itself raised on the node (the harness there broke): report, no retry
                p.attempts.append({"attempt": p.spec["attempt"], "error": _one_line(exc), "latency_s": latency})
                p.error = f"the trial's Ray task failed on its node: {_one_line(exc)}"
                continue
            except ray.exceptions.RayError as exc:  # node or worker lost, object lost, …: infrastructure
                p.attempts.append({"attempt": p.spec["attempt"], "error": _one_line(exc), "latency_s": latency,
                                   "lost": True})
                if p.spec["attempt"] <= self.retries:
                    p.spec["attempt"] += 1
                    self._submit(p)
                else:
                    n = len(p.attempts)
                    p.error = (f"the trial's node was lost {n} time{'s' * (n > 1)} (retry limit {self.retries}); "
                               f"last: {_one_line(exc)}")
                continue
            p.attempts.append(dict(answer["where"], latency_s=latency))
            p.outcome = answer

    def _take_in(self, p: Pending) -> TrialResult:
        answer, name = p.outcome, p.spec["dir_name"]
        dest = self.cfg.out_dir / name
        if answer["record"] is None:
            self._write_ray_file(p)
            raise InfrastructureError(f"the nested session on node {answer['where']['node_ip']} wrote no result "
                                      f"(exit {answer['returncode']}): {answer['log_tail'][-600:].strip()}")
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(answer["artifacts"]), mode="r:gz") as tar:
            tar.extractall(dest, filter="data")
        record = TrialResult.from_dict(answer["record"])
        record.nodeid = p.nodeid
        record.artifacts_dir = str(dest)
        record.write(dest / "result.json")
        self._write_ray_file(p)
        return record

    def _write_ray_file(self, p: Pending) -> None:
        dest = self.cfg.out_dir / p.spec.get("dir_name", "")
        if not p.spec:
            return
        dest.mkdir(parents=True, exist_ok=True)
        info = {"session": self.session, "resources": {k: v for k, v in p.options.items() if k != "name"},
                "attempts": p.attempts, "retry_limit": self.retries}
        (dest / RAY_FILE).write_text(json.dumps(info, indent=2))

    def shutdown(self) -> None:
        ray = self._ray
        if ray is None:
            return
        for ref in list(self._by_ref):  # e.g. after -x or Ctrl-C: do not leave trials running on the cluster
            try:
                ray.cancel(ref, force=True)
            except Exception:  # noqa: BLE001 - best effort while shutting down
                pass
        self._by_ref.clear()
        ray.shutdown()
        self._ray = None


def _check_reachable(address: str | None, timeout: float = 10.0) -> None:
    """Fail fast on a host:port nobody listens on (Ray itself keeps retrying the GCS for a long time)."""
    if address is None or address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except (OSError, ValueError) as exc:
        raise InfrastructureError(f"cannot reach the Ray cluster at {address}: {exc}") from None


def _node_capacities(ray) -> list[dict]:
    """Total resources of each alive node, in task-option units (None: do not check, an autoscaler adds nodes)."""
    if os.environ.get("MLDB_RAY_AUTOSCALE"):
        return None
    out = []
    for n in ray.nodes():
        if n.get("Alive"):
            r = n.get("Resources", {})
            out.append({"num_cpus": r.get("CPU", 0), "num_gpus": r.get("GPU", 0), "memory": r.get("memory", 0)})
    return out


def _feasible(options: dict, capacity: list[dict] | None) -> bool:
    if capacity is None:
        return True
    keys = ("num_cpus", "num_gpus", "memory")
    return any(all(options.get(k, 0) <= c.get(k, 0) for k in keys) for c in capacity)


def _needs(res: dict) -> str:
    parts = [f"{res.get('num_cpus', 0):g} CPU", f"{res.get('num_gpus', 0):g} GPU"]
    if res.get("memory"):
        parts.append(f"{res['memory'] / 2 ** 30:.1f} GiB memory")
    return ", ".join(parts)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:400]}"
