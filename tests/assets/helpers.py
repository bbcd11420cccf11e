"""Run snippets in the task environment the way an installed task env would."""
from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

SITE_DIR = Path(__file__).resolve().parents[2] / "pytest_mldevbench" / "taskenv_site"


def run_py(python: str, code: str, env: dict | None = None, cwd: Path | None = None, timeout: float = 300,
           site: bool = True) -> dict:
    """Run `code` in the task environment (with taskenv_site's .pth processed, as an installed copy would be);
    the script's last stdout line must be JSON."""
    prologue = f"import site; site.addsitedir({str(SITE_DIR)!r})\n" if site else ""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "MLDB_TORCHVISION"))}
    full_env["PYTHONDONTWRITEBYTECODE"] = "1"  # keep taskenv_site free of __pycache__ (it is copied verbatim)
    full_env.update(env or {})
    r = subprocess.run([python, "-c", prologue + textwrap.dedent(code)], capture_output=True, text=True,
                       env=full_env, cwd=cwd, timeout=timeout)
    assert r.returncode == 0, f"script failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no JSON line in output:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    return json.loads(lines[-1])
