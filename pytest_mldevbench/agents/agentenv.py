"""An agent's own virtual environment: built once from pinned requirements, cached, shown in the sandbox.

The environment lives at `<cache root>/agents/<name>-<hash>`, the hash covering the requirements file and
the base interpreter's version, so a change of pins builds a new one. Building is safe across processes
(file lock) and never leaves a half-built environment marked ready.
"""
from __future__ import annotations

import fcntl
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .. import taskenv
from .spec import AgentContext, AgentSetupError, AgentSpec


def _version(python: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None  # e.g. a pyenv shim for a version that is not selected
    major, minor = out.stdout.split()
    return int(major), int(minor)


def find_python(minimum: tuple[int, int]) -> str:
    """MLDB_AGENT_PYTHON, else the oldest Python of at least `minimum` on PATH, in pyenv, or this one."""
    given = os.environ.get("MLDB_AGENT_PYTHON")
    if given and (_version(given) or (0, 0)) >= minimum:
        return given
    names = [f"python3.{m}" for m in range(14, minimum[1] - 1, -1)]
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates = [shutil.which(n) for n in names]
    candidates += sorted(glob.glob(str(pyenv / "versions" / "3.*" / "bin" / "python3")), reverse=True)
    candidates.append(sys.executable)
    # the oldest fitting version: pinned wheels exist for it more often than for the newest
    found = [(v, i, p) for i, p in enumerate(filter(None, candidates))
             if (v := _version(p)) is not None and v >= minimum]
    if found:
        return min(found)[2]
    need = ".".join(map(str, minimum))
    raise AgentSetupError(f"no Python {need}+ found (tried PATH, pyenv, this one): "
                          f"install one or set MLDB_AGENT_PYTHON")


def venv_paths(prefix: Path) -> list[Path]:
    """A virtual environment and its base interpreter's prefix (pyvenv.cfg `home` is that prefix's bin/);
    nothing when `prefix` is no virtual environment."""
    cfg = prefix / "pyvenv.cfg"
    if not cfg.is_file():
        return []
    paths = [prefix]
    for line in cfg.read_text(errors="replace").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home" and value.strip():
            paths.append(Path(value.strip()).parent)
    return paths


class AgentEnv:
    """The cached venv of one agent, made from `requirements` with a Python of at least `minimum`."""

    def __init__(self, name: str, requirements: Path, minimum: tuple[int, int] = (3, 11),
                 no_deps: Path | None = None):
        self.name, self.requirements, self.minimum = name, requirements, minimum
        self.no_deps = no_deps  # requirements installed without their dependencies (after the others)
        self._base: str | None = None

    @property
    def base_python(self) -> str:
        if self._base is None:
            self._base = find_python(self.minimum)
        return self._base

    @property
    def path(self) -> Path:
        text = self.requirements.read_bytes() + (self.no_deps.read_bytes() if self.no_deps else b"")
        text += repr(_version(self.base_python)).encode()
        key = hashlib.sha256(text).hexdigest()[:12]
        return taskenv.cache_root() / "agents" / f"{self.name}-{key}"

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    def pinned_version(self, package: str) -> str:
        """`package version` as its requirements pin it (`package==version`), or "" when they do not."""
        want = re.sub(r"[-_.]+", "-", package).lower()
        for path in (self.requirements, self.no_deps):
            for line in (path.read_text(errors="replace").splitlines() if path and path.is_file() else []):
                name, sep, version = line.split("#")[0].strip().partition("==")
                if sep and re.sub(r"[-_.]+", "-", name.split("[")[0].strip()).lower() == want:
                    return f"{package} {version.split(';')[0].strip()}"
        return ""

    def ro_paths(self) -> list[Path]:
        """What the sandbox must show for the venv to run: the venv and its base interpreter's prefix."""
        return venv_paths(self.path) or [self.path]

    def ensure(self, progress=None) -> Path:
        """Build the venv unless it is ready; return its python. Raises AgentSetupError (one line)."""
        progress = progress or _progress
        venv = self.path
        if (venv / ".complete").is_file():
            return self.python
        venv.parent.mkdir(parents=True, exist_ok=True)
        with open(venv.parent / f"{venv.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (venv / ".complete").is_file():
                self._build(venv, progress)
        return self.python

    def _build(self, venv: Path, progress) -> None:
        shutil.rmtree(venv, ignore_errors=True)
        log = venv.parent / f"{venv.name}.build.log"
        progress(f"mldevbench: building the {self.name} agent environment (once; log: {log})")
        start = time.monotonic()
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-input", "--progress-bar", "off"]
        steps = [[self.base_python, "-m", "venv", str(venv)], pip + ["-r", str(self.requirements)]]
        if self.no_deps:
            steps.append(pip + ["--no-deps", "-r", str(self.no_deps)])
        with open(log, "w") as out:
            for argv in steps:
                proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                for line in proc.stdout:
                    out.write(line)
                    if line.startswith(("Collecting", "Successfully", "ERROR")):
                        progress(f"mldevbench: [{self.name}] {line.rstrip()}")
                if proc.wait() != 0:
                    out.flush()
                    shutil.rmtree(venv, ignore_errors=True)
                    tail = _last_error(log)
                    raise AgentSetupError(f"building the {self.name} environment failed ({tail}); see {log}")
        seconds = time.monotonic() - start
        (venv / ".complete").write_text(f"built in {seconds:.0f}s with {self.base_python}\n")
        progress(f"mldevbench: {self.name} agent environment ready in {seconds:.0f}s: {venv}")


def _last_error(log: Path) -> str:
    lines = [ln.strip() for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("ERROR")]
    return (errors or lines or ["no output"])[-1][:200]


def _progress(message: str) -> None:
    # the setup runs inside pytest, whose capture would hide progress: write to the real stderr
    print(message, file=sys.__stderr__, flush=True)


def python_agent(name: str, folder: str, env: AgentEnv, description: str,
                 extra_env: dict[str, str] | None = None, package: str = "") -> AgentSpec:
    """An agent whose driver `agents/<folder>/main.py` runs with the python of its own environment `env`;
    its version is that of `package` as the environment's requirements pin it.

    The sandbox shows the driver's folder, the shared protocol module (agents/common) and the environment.
    """
    def folders(ctx: AgentContext) -> list[Path]:
        return [ctx.repo_root / "agents" / folder, ctx.repo_root / "agents" / "common"]

    return AgentSpec(
        name=name, uses_model=True, description=description,
        command=lambda ctx: [str(env.python), str(ctx.repo_root / "agents" / folder / "main.py")],
        ro_paths=lambda ctx: folders(ctx) + env.ro_paths(),
        env=lambda ctx: dict(extra_env or {}),
        setup=lambda: env.ensure() and None, version=env.pinned_version(package) if package else "",
    )
