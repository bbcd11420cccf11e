"""The task environment: a venv with the ML stack, built once and cached by the hash of its inputs."""
from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .errors import InfrastructureError

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
REQUIREMENTS = REPO_ROOT / "images" / "runtime" / "requirements.txt"
SITE_FILES = PACKAGE_DIR / "taskenv_site"  # copied into the venv's site-packages; on PYTHONPATH for a given one
SITE_MOUNT = "/mldb/taskenv_site"  # where a sandbox shows SITE_FILES (for MLDB_TASK_PYTHON)
PATH_ONLY = ("sitecustomize.py",)  # never copied into a venv: it would shadow the base interpreter's own


def cache_root() -> Path:
    return Path(os.environ.get("MLDB_CACHE") or Path.home() / ".cache" / "mldevbench")


def base_python() -> str:
    """The interpreter the venv is made from (MLDB_BASE_PYTHON, else python3.11, else this one)."""
    return os.environ.get("MLDB_BASE_PYTHON") or shutil.which("python3.11") or sys.executable


def env_key() -> str:
    """Hash of what the venv is built from: the requirements and the base interpreter's version."""
    h = hashlib.sha256(REQUIREMENTS.read_bytes())
    h.update(subprocess.run([base_python(), "-c", "import sys; print(sys.version)"],
                            capture_output=True, text=True, check=True).stdout.encode())
    return h.hexdigest()[:16]


def _site_files() -> list[Path]:
    if not SITE_FILES.is_dir():
        return []
    return sorted(p for p in SITE_FILES.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def site_key() -> str:
    h = hashlib.sha256()
    for path in _site_files():
        h.update(str(path.relative_to(SITE_FILES)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def env_dir() -> Path:
    return cache_root() / "envs" / f"task-{env_key()}"


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def task_python() -> Path:
    """Python of the task environment: MLDB_TASK_PYTHON if set (a ready interpreter), else the cached venv."""
    given = os.environ.get("MLDB_TASK_PYTHON")
    if given:
        return Path(given)
    return python_of(ensure())


def task_bin() -> Path:
    return task_python().parent


def sandbox_env() -> dict[str, str]:
    """Variables the sandbox needs for the task environment. An interpreter the harness did not build
    (MLDB_TASK_PYTHON) gets taskenv_site/ first on PYTHONPATH (its sitecustomize.py installs the torchvision
    mirror redirection) instead of files written into its site-packages."""
    return {"PYTHONPATH": SITE_MOUNT} if os.environ.get("MLDB_TASK_PYTHON") else {}


def sandbox_mounts() -> dict[str, Path]:
    """What `sandbox_env` points at: taskenv_site/ shown read-only at a place of its own in the sandbox, so
    that nothing of the repository around it is in the view."""
    return {SITE_MOUNT: SITE_FILES} if os.environ.get("MLDB_TASK_PYTHON") else {}


def ensure(progress=print) -> Path:
    """Return the cached venv, building it first if needed (safe across processes: file lock)."""
    venv = env_dir()
    if (venv / ".complete").is_file() and _site_stamp(venv) == site_key():
        return venv
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / ".complete").is_file():
            _build(venv, progress)
        if _site_stamp(venv) != site_key():
            _sync_site(venv)
    return venv


def _site_stamp(venv: Path) -> str:
    stamp = venv / ".site-key"
    return stamp.read_text().strip() if stamp.is_file() else ""


def _sync_site(venv: Path) -> None:
    """Copy taskenv_site/ into the venv's site-packages (cheap; no rebuild when only these change)."""
    site = Path(subprocess.run([str(python_of(venv)), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    for path in _site_files():
        if path.name in PATH_ONLY:
            continue
        target = site / path.relative_to(SITE_FILES)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    (venv / ".site-key").write_text(site_key() + "\n")


def _build(venv: Path, progress) -> None:
    tmp = venv.with_name(venv.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    log = venv.parent / f"{venv.name}.build.log"
    progress(f"mldevbench: building the task environment {venv.name} (a few minutes, once; log: {log})")
    start = time.monotonic()
    with open(log, "w") as out:
        for argv in ([base_python(), "-m", "venv", str(tmp)],
                     [str(python_of(tmp)), "-m", "pip", "install", "--no-input", "-r", str(REQUIREMENTS)]):
            if subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
                raise InfrastructureError(f"building the task environment failed: {build_failure(log)}; log: {log}")
    # Built under a temporary name so a half-built env is never used; the rename is atomic.
    shutil.rmtree(venv, ignore_errors=True)
    tmp.rename(venv)
    _fix_paths(tmp, venv)
    (venv / ".complete").write_text(f"built in {time.monotonic() - start:.0f}s\n")
    progress(f"mldevbench: task environment ready in {time.monotonic() - start:.0f}s: {venv}")


def build_failure(log: Path) -> str:
    """What a failed venv/pip build needed, from its log: the requirement no index or wheelhouse offered
    (offline, pip says only that), a missing venv module, or the log's last line."""
    text = log.read_text(errors="replace") if log.is_file() else ""
    missing = re.findall(r"(?:No matching distribution found for|Could not find a version that satisfies the "
                         r"requirement) (\S+)", text)
    if missing:
        return (f"no installable distribution of {missing[-1]!r} (offline? point PIP_INDEX_URL or PIP_FIND_LINKS "
                "at a mirror or wheelhouse that has it)")
    if "ensurepip is not available" in text or "No module named venv" in text:
        return f"{base_python()} cannot create virtual environments (Debian/Ubuntu: apt-get install python3-venv)"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "no output"


def _fix_paths(old: Path, new: Path) -> None:
    """Rewrite the venv path baked into activate scripts and console-script shebangs after the rename."""
    for path in (new / "bin").iterdir():
        if path.is_file() and not path.is_symlink():
            try:
                text = path.read_text()
            except UnicodeDecodeError:
                continue
            if str(old) in text:
                path.write_text(text.replace(str(old), str(new)))
    cfg = new / "pyvenv.cfg"
    cfg.write_text(cfg.read_text().replace(str(old), str(new)))
