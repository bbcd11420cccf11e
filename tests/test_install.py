"""Installing on a machine that already has a Python environment with torch (MLDB_TASK_PYTHON), offline:
the torchvision mirror redirection without writing into that environment, the report's git sha, and
dev.sh's one-line failures."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_mldevbench import services, taskenv

REPO = Path(__file__).resolve().parents[1]
CASES = Path(__file__).parent / "data" / "install_cases"

FAKE_CIFAR = '''
class CIFAR10:
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"


class CIFAR100(CIFAR10):
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
'''


@pytest.fixture(scope="module")
def existing_env(tmp_path_factory) -> Path:
    """An environment the harness did not build: a venv with a stand-in torchvision (the real one's CIFAR10
    class attributes only; the redirection patches those) and no mldevbench files in it."""
    env = tmp_path_factory.mktemp("existing") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    py = env / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "torchvision" / "datasets").mkdir(parents=True)
    (site / "torchvision" / "__init__.py").write_text("")
    (site / "torchvision" / "datasets" / "__init__.py").write_text("")
    (site / "torchvision" / "datasets" / "cifar.py").write_text(FAKE_CIFAR)
    return py


def _run(py: Path, code: str, **env) -> str:
    full = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MLDB_TORCHVISION_MIRROR")}
    full.update(env, PYTHONDONTWRITEBYTECODE="1")
    r = subprocess.run([str(py), "-c", code], capture_output=True, text=True, env=full, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_the_path_hook_redirects_torchvision_and_runs_the_environments_own_sitecustomize(existing_env, tmp_path):
    probe = "import torchvision.datasets.cifar as c; print(c.CIFAR10.url)"
    assert _run(existing_env, probe).startswith("https://www.cs.toronto.edu/")  # as installed: the internet
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "sitecustomize.py").write_text("import builtins; builtins.THEIRS_RAN = True\n")
    path = f"{taskenv.SITE_FILES}:{theirs}"
    out = _run(existing_env, probe + "; import builtins; print(getattr(builtins, 'THEIRS_RAN', False))",
               PYTHONPATH=path, MLDB_TORCHVISION_MIRROR="http://127.0.0.1:9/t/x/torchvision/")
    assert out.splitlines() == ["http://127.0.0.1:9/t/x/torchvision/cifar-10-python.tar.gz", "True"]
    assert _run(existing_env, probe, PYTHONPATH=path).startswith("https://")  # no mirror set: nothing changes


def test_sandbox_env_only_for_a_given_interpreter(monkeypatch):
    monkeypatch.delenv("MLDB_TASK_PYTHON", raising=False)
    assert taskenv.sandbox_env() == {} and taskenv.sandbox_mounts() == {}
    monkeypatch.setenv("MLDB_TASK_PYTHON", "/some/python")
    # shown at a place of its own: nothing of the repository around it is in the sandbox's view
    assert taskenv.sandbox_env() == {"PYTHONPATH": taskenv.SITE_MOUNT}
    assert taskenv.sandbox_mounts() == {taskenv.SITE_MOUNT: taskenv.SITE_FILES}
    assert taskenv.REPO_ROOT not in Path(taskenv.SITE_MOUNT).parents


def test_the_built_venv_gets_the_pth_but_not_the_sitecustomize(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    taskenv._sync_site(venv)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c",
                                "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    assert (site / "mldevbench_tv_mirror.pth").is_file() and (site / "mldevbench_tv_mirror.py").is_file()
    assert not (site / "sitecustomize.py").exists()


def test_a_trial_in_an_existing_environment_downloads_from_the_mirror(bench, existing_env):
    """The oracle asks torchvision (of MLDB_TASK_PYTHON, which has no mldevbench files) for CIFAR-10's URL."""
    run = bench(str(CASES), env={"MLDB_TASK_PYTHON": str(existing_env)})
    assert run.report is not None, run.output[-3000:]
    check = run.report["trials"][0]["checks"][0]
    assert check["ok"], check["name"]
    assert check["name"].startswith("url: http://127.0.0.1:") and "/torchvision/" in check["name"]


def test_git_sha_names_only_the_harness_own_checkout(tmp_path, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("no git")
    outer = tmp_path / "outer"
    (outer / "vendored" / "pytest-mldevbench").mkdir(parents=True)
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t")
    for argv in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "x"]):
        subprocess.run(["git", "-C", str(outer), *argv], check=True, env=env)
    sha = subprocess.run(["git", "-C", str(outer), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    monkeypatch.setattr(taskenv, "REPO_ROOT", outer / "vendored" / "pytest-mldevbench")
    assert services.git_sha() == ""            # inside someone else's checkout: their commit is not ours
    monkeypatch.setattr(taskenv, "REPO_ROOT", outer)
    assert services.git_sha() == sha           # the harness's own checkout
    monkeypatch.setattr(taskenv, "REPO_ROOT", tmp_path)
    assert services.git_sha() == ""            # not a checkout (an installed copy)


def test_task_env_build_failure_names_the_requirement(tmp_path):
    log = tmp_path / "build.log"
    log.write_text("Looking in indexes: x\nERROR: Could not find a version that satisfies the requirement "
                   "torch==2.14.1 (from versions: none)\nERROR: No matching distribution found for torch==2.14.1\n")
    assert taskenv.build_failure(log).startswith("no installable distribution of 'torch==2.14.1' (offline?")
    log.write_text("Error: Command '['x/bin/python', '-m', 'ensurepip']' returned non-zero exit status 1.\n"
                   "The virtual environment was not created successfully because ensurepip is not available.\n")
    assert "apt-get install python3-venv" in taskenv.build_failure(log)


def _dev_sh_copy(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".venv", ".git", "mldb-out", "__pycache__", "cases",
                                                               "tests", "agents", "images", "docs", "benchmarks"))
    return root


OFFLINE = {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "", "PIP_INDEX_URL": "",
           "PIP_EXTRA_INDEX_URL": ""}


def test_dev_sh_offline_says_in_one_line_what_it_could_not_install(tmp_path):
    root = _dev_sh_copy(tmp_path)
    r = subprocess.run(["./dev.sh", "suite"], cwd=root, env=dict(os.environ, **OFFLINE), capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert lines[-1].startswith("dev.sh: could not install the harness into .venv: no installable distribution "
                                "of 'setuptools>=69' (offline?"), r.stderr
    assert lines[-1].endswith("log: .venv/pip-install.log") and "Traceback" not in r.stderr
    assert len(lines) == 2, r.stderr  # "installing the harness into .venv", then the failure


def test_dev_sh_without_a_suitable_python_says_so(tmp_path):
    root = _dev_sh_copy(tmp_path)
    r = subprocess.run(["./dev.sh", "suite"], cwd=root, env=dict(os.environ, MLDB_PYTHON="/nonexistent/python3"),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and r.stderr.strip().splitlines() == [
        "dev.sh: needs Python 3.11 or newer: '/nonexistent/python3' is not (install python3.11 or set "
        "MLDB_PYTHON=/path/to/python)"]
