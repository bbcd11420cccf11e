"""Headless Chromium: render an HTML report to its post-script DOM and to a PNG screenshot.

Used by `mldevbench report --screenshot` and by the browser tests. The browser runs with a fresh profile,
no sandbox (it may run as root in CI), no GPU and every background network feature off.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
         "--disable-default-apps", "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]


def find() -> str | None:
    """The Chromium executable ($MLDB_CHROMIUM, else the first of NAMES on PATH), or None."""
    explicit = os.environ.get("MLDB_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    exe = find()
    if exe is None:
        raise FileNotFoundError("no Chromium found (install it, e.g. apt-get install chromium, or set MLDB_CHROMIUM)")
    with tempfile.TemporaryDirectory(prefix="mldb-chromium-") as profile:
        return subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout)


def dump_dom(html: Path, timeout: float = 120) -> tuple[str, str]:
    """(the DOM after scripts ran, Chromium's stderr: console messages appear there as CONSOLE lines)."""
    proc = _run(["--virtual-time-budget=5000", "--dump-dom", Path(html).absolute().as_uri()], timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"chromium --dump-dom failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout, proc.stderr


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 1400, timeout: float = 120) -> str:
    """Write a PNG of the rendered page; return Chromium's stderr."""
    png = Path(png).absolute()
    png.parent.mkdir(parents=True, exist_ok=True)
    proc = _run(["--virtual-time-budget=5000", f"--window-size={width},{height}", f"--screenshot={png}",
                 Path(html).absolute().as_uri()], timeout)
    if proc.returncode != 0 or not png.is_file():
        raise RuntimeError(f"chromium --screenshot failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stderr
