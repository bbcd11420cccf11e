"""Per-process services of a run: sandbox, task environment, meter and asset mirror, started lazily."""
from __future__ import annotations

import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from . import __version__, taskenv
from .agents import AgentSetupError, AgentSpec
from .errors import InfrastructureError
from .options import RunConfig
from .sandbox import Sandbox, get_sandbox
from .sandbox.disk import TrialDisks

TASK_PACKAGES = ("torch", "torchvision", "transformers", "lightning", "timm", "wandb", "scikit-learn", "numpy")


class Services:
    """One per pytest process (the controller with -n0, else each xdist worker)."""

    def __init__(self, cfg: RunConfig, agents: dict[str, AgentSpec]):
        self.cfg = cfg
        self.agents = agents
        self._sandbox: Sandbox | None = None
        self._disks: TrialDisks | None = None
        self._task_python: Path | None = None
        self._meter = None
        self._assets = None
        self._ready_agents: set[str] = set()
        self._versions: dict[str, str] | None = None

    # -- lazily made parts -------------------------------------------------------------------------
    def sandbox(self) -> Sandbox:
        if self._sandbox is None:
            box = get_sandbox(self.cfg.sandbox)
            try:
                box.check()
            except BaseException:
                box.close()
                raise
            if self._disks is not None:
                box.file_size_limit = self._disks.fsize
            self._sandbox = box
        return self._sandbox

    def disks(self) -> TrialDisks:
        """This process's trial disks (quotas for what an agent writes; sandbox/disk.py)."""
        if self._disks is None:
            self._disks = TrialDisks(self.cfg.scratch / ".disks", self.cfg.profile)
            if self._sandbox is not None:  # no quota can be mounted: the sandbox caps single files instead
                self._sandbox.file_size_limit = self._disks.fsize
        return self._disks

    def sandbox_limits(self) -> dict[str, str]:
        """How this process's sandbox enforces each limit (recorded with every trial)."""
        from .sandbox.output import HEAD_BYTES, TAIL_BYTES
        limits = dict(self.sandbox().limits())
        limits["disk"] = self.disks().kind
        limits["output"] = f"first {HEAD_BYTES // 2**20} MiB + last {TAIL_BYTES // 2**20} MiB per stream"
        return limits

    def task_python(self) -> Path:
        if self._task_python is None:
            self._task_python = taskenv.task_python()
            if not self._task_python.exists():
                raise InfrastructureError(f"task environment python not found: {self._task_python}")
        return self._task_python

    def task_env_paths(self) -> list[Path]:
        """Read-only paths the task environment needs inside the sandbox (venv and its base Python)."""
        py = self.task_python()
        out = subprocess.run([str(py), "-c", "import sys, json; print(json.dumps([sys.prefix, sys.base_prefix]))"],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise InfrastructureError(f"task environment python does not run: {py}")
        return [Path(p) for p in json.loads(out.stdout)] + [py.parent]

    def harness_paths(self) -> list[Path]:
        return [Path(sys.prefix), Path(sys.base_prefix)]

    def meter(self):
        if self._meter is None:
            try:
                from .meter import Meter
            except ImportError as exc:
                raise InfrastructureError(f"the meter is not available: {exc}") from None
            self._meter = Meter.start(api_base=self.cfg.llm_api_base, prices_file=self.cfg.llm_prices)
        return self._meter

    def assets(self, task=None):
        """The asset mirror; with `task` (a trial being prepared), that task's assets are built/found first.
        Started with a task, it builds nothing else up front; started without one, every asset."""
        if self._assets is None:
            try:
                from .assets import AssetService
            except ImportError as exc:
                raise InfrastructureError(f"the asset mirror is not available: {exc}") from None
            self._assets = AssetService.start(profile=self.cfg.profile, cache_dir=taskenv.cache_root() / "assets",
                                              task_python=str(self.task_python()),
                                              assets=() if task is not None else None)
        if task is not None:
            self._assets.require_for(task)
        return self._assets

    def running_assets(self):
        """The asset mirror if this process started one (None otherwise): starts nothing."""
        return self._assets

    def ready(self, agent: AgentSpec) -> None:
        """Run an agent's one-time setup (e.g. building its environment)."""
        if agent.name in self._ready_agents:
            return
        if agent.setup is not None:
            try:
                agent.setup()
            except AgentSetupError as exc:
                raise InfrastructureError(f"agent {agent.name!r} is not ready: {exc}") from None
        self._ready_agents.add(agent.name)

    def versions(self) -> dict[str, str]:
        if self._versions is None:
            code = ("import json, importlib.metadata as m\nout = {}\n"
                    f"for p in {list(TASK_PACKAGES)!r}:\n"
                    "    try: out[p] = m.version(p)\n    except m.PackageNotFoundError: pass\nprint(json.dumps(out))")
            res = subprocess.run([str(self.task_python()), "-c", code], capture_output=True, text=True, timeout=60)
            versions = json.loads(res.stdout) if res.returncode == 0 else {}
            versions.update({"python": platform.python_version(), "pytest_mldevbench": __version__})
            self._versions = versions
        return self._versions

    def hidden_paths(self) -> list[Path]:
        """Places whose content the sandbox must not see (grading material, other trials, caches, and the
        harness's own package: its smoke generators and seeds would let an agent remake hidden data)."""
        return [Path.home(), taskenv.REPO_ROOT, self.cfg.out_dir, self.cfg.scratch, taskenv.cache_root(),
                Path(__file__).resolve().parent]

    def stop(self) -> None:
        """Stop the meter and mirror; the next trial that needs one starts it afresh (even if stopping hangs).
        The watchdog calls this after a hit; the sandbox and the trial disks stay."""
        parts, self._meter, self._assets = [(self._meter, "stop"), (self._assets, "stop")], None, None
        self._end(parts)

    def close(self) -> None:
        """At the session's end: stop the services, release the sandbox (its uids, generated /etc) and free
        the trial disks."""
        self.stop()
        parts, self._sandbox, self._disks = [(self._sandbox, "close"), (self._disks, "close")], None, None
        self._end(parts)

    @staticmethod
    def _end(parts) -> None:
        for part, end in parts:
            if part is not None:
                try:
                    getattr(part, end)()
                except Exception:  # noqa: BLE001 - shutting down; nothing to report to
                    pass


def git_sha() -> str:
    """The commit of the harness's own checkout; "" when the package is not the top of a git checkout (an
    installed copy, or a copy inside some other repository, whose commit says nothing about this code:
    the report's versions.pytest_mldevbench names the installed version then)."""
    if shutil.which("git") is None:
        return ""
    res = subprocess.run(["git", "-C", str(taskenv.REPO_ROOT), "rev-parse", "--show-toplevel", "HEAD"],
                         capture_output=True, text=True)
    lines = res.stdout.split("\n")
    if res.returncode != 0 or len(lines) < 2 or not lines[0]:
        return ""
    if Path(lines[0]).resolve() != taskenv.REPO_ROOT.resolve():
        return ""
    return lines[1].strip()
