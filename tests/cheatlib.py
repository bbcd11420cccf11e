"""A cheat: a tiny scripted agent (no LLM) that tries one trick on one task and must fail."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cheat:
    name: str          # short, [a-z0-9-]; the agent is registered as "cheat-<task_id>-<name>"
    script: str        # run in the sandbox with cwd = the workspace
    lang: str = "bash"  # "bash" or "python" (the task environment's python)
    why: str = ""      # which validation check must catch it


# bash: a conftest.py that marks every collected test as skipped, and a pytest.ini that adds an option
SKIP_ALL_CONFTEST = """cat > conftest.py <<'PY'
import pytest

def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(pytest.mark.skip(reason="skipped"))
PY
printf '[pytest]\\naddopts = {addopts}\\n' > pytest.ini
"""


def skip_all_conftest(addopts: str = "-p no:terminal") -> str:
    """The script of a cheat that tries to make the grader's pytest run skip every test."""
    return SKIP_ALL_CONFTEST.format(addopts=addopts)
