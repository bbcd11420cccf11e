"""The task environment: a venv with the ML stack, built once and cached by the hash of its inputs."""
from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .errors import InfrastructureError

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
REQUIREMENTS = REPO_ROOT / "images" / "runtime" / "requirements.txt"
SITE_FILES = PACKAGE_DIR / "taskenv_site"  # copied verbatim into the venv's site-packages


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
                raise InfrastructureError(f"building the task environment failed; see {log}")
    # Built under a temporary name so a half-built env is never used; the rename is atomic.
    shutil.rmtree(venv, ignore_errors=True)
    tmp.rename(venv)
    _fix_paths(tmp, venv)
    (venv / ".complete").write_text(f"built in {time.monotonic() - start:.0f}s\n")
    progress(f"mldevbench: task environment ready in {time.monotonic() - start:.0f}s: {venv}")


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
