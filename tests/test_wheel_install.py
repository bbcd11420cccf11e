"""A wheel-installed harness (not the editable checkout): the package's smoke generators, manifest seeds and
derivers stay out of the sandbox, so no agent can regenerate a hidden split (issue 22).

The wheel is built from a copy of the package (build_wheel: setuptools' metadata, the package's files), installed
with pip into a fresh venv whose only extra path is the
checkout venv's site-packages (dependencies; the editable install's finder is not run from a plain path entry),
and a hello_world trial runs from a folder outside the repository with a probe agent that looks for them."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROBE = r'''
SITE={site}
FRESH={fresh}
for p in "$SITE/pytest_mldevbench/assets/smokegen/perf.py" "$SITE/pytest_mldevbench/assets/manifest.py" \
         "$SITE/pytest_mldevbench/assets/smokegen" "$SITE/pytest_mldevbench"; do
  [ -e "$p" ] && ls -A "$p" | sed "s|^|$p: |" >> found.txt
done
"$FRESH/bin/python" -c "import pytest_mldevbench.assets.smokegen.main as m; print('imported', m.__file__)" \
  >> found.txt 2>/dev/null
find / \( -path /proc -o -path /sys -o -path "$PWD" \) -prune -o \( -path "*smokegen*" -o \
  -path "*pytest_mldevbench*manifest.py" \) -print 2>/dev/null >> found.txt
[ -x "$FRESH/bin/python" ] && echo ok > control.txt
true
'''
PLUGIN = '''
from pytest_mldevbench.agents.script import script_agent
def pytest_mldevbench_agents(config):
    return [script_agent("probe-wheel", {probe!r}, "bash")]
'''


def build_wheel(src: Path, dist: Path) -> Path:
    """The project's wheel, offline: setuptools' own egg_info (version, entry points, top-level names) as the
    dist-info, zipped with the package's files as a pure-Python wheel. The dev venv's setuptools needs the `wheel`
    package for bdist_wheel, which it lacks, and tests stay off the network."""
    meta = dist / "meta"
    meta.mkdir(parents=True)
    subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "egg_info", "--egg-base",
                    str(meta)], cwd=src, capture_output=True, check=True, timeout=300)
    egg = next(meta.glob("*.egg-info"))
    version = next(line.split(": ", 1)[1] for line in (egg / "PKG-INFO").read_text().splitlines()
                   if line.startswith("Version: "))
    info = f"pytest_mldevbench-{version}.dist-info"
    wheel, record = dist / f"pytest_mldevbench-{version}-py3-none-any.whl", []
    files = [(p.read_bytes(), p.relative_to(src).as_posix())
             for p in sorted((src / "pytest_mldevbench").rglob("*")) if p.is_file()]
    files += [((egg / "PKG-INFO").read_bytes(), f"{info}/METADATA"),
              ((egg / "entry_points.txt").read_bytes(), f"{info}/entry_points.txt"),
              ((egg / "top_level.txt").read_bytes(), f"{info}/top_level.txt"),
              (b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n", f"{info}/WHEEL")]
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for data, arc in files:
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            zf.writestr(arc, data)
            record.append(f"{arc},sha256={digest},{len(data)}")
        zf.writestr(f"{info}/RECORD", "\n".join(record + [f"{info}/RECORD,,"]) + "\n")
    return wheel


def test_a_wheel_installed_harness_hides_its_generators_from_the_sandbox(tmp_path, task_python):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "pytest_mldevbench", src / "pytest_mldevbench",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    wheel = build_wheel(src, tmp_path / "dist")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True, timeout=120)
    py = fresh / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", str(site), str(wheel)], check=True,
                   capture_output=True, timeout=300)
    (site / "mldb_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    assert (site / "pytest_mldevbench" / "assets" / "smokegen" / "perf.py").is_file()  # it is there on the host
    run_dir = tmp_path / "run"
    shutil.copytree(REPO / "cases" / "extras" / "hello_world", run_dir / "cases" / "extras" / "hello_world")
    (run_dir / "wheelprobe.py").write_text(PLUGIN.format(probe=PROBE.format(site=site, fresh=fresh)))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(MLDB_TASK_PYTHON=task_python, PYTHONPATH=str(run_dir))
    proc = subprocess.run([str(py), "-m", "pytest", "-p", "wheelprobe", "cases", "--agent=probe-wheel",
                           "--mldb-out", str(tmp_path / "out"), "--mldb-keep", "-p", "no:cacheprovider"],
                          cwd=run_dir, env=env, capture_output=True, text=True, timeout=600)
    report = tmp_path / "out" / "report.json"
    assert report.is_file(), proc.stdout[-3000:] + proc.stderr[-3000:]
    trial = json.loads(report.read_text())["trials"][0]
    assert trial["versions"]["pytest_mldevbench"] and trial["outcome"] == "failed", trial["detail"]
    workspace = Path(trial["scratch_dir"]) / "workspace"
    loaded = subprocess.run([str(py), "-c", "import pytest_mldevbench; print(pytest_mldevbench.__file__)"],
                            capture_output=True, text=True, env=env, cwd=run_dir).stdout.strip()
    assert loaded.startswith(str(site)), f"the harness ran from {loaded}, not the wheel"
    assert (workspace / "control.txt").is_file(), "the probe did not run, or the venv was not in the view"
    found = (workspace / "found.txt").read_text() if (workspace / "found.txt").exists() else ""
    assert found.strip() == "", f"the sandbox exposed the harness package:\n{found[:2000]}"
