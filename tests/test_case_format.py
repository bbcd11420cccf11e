"""Static checks of every case folder: metadata loads, files are where the format says, copies agree."""
from __future__ import annotations

import filecmp
import statistics
from pathlib import Path

import pytest

from pytest_mldevbench.prompt import placeholders_used
from pytest_mldevbench.tasks import load_task

REPO = Path(__file__).resolve().parents[1]
CASES = sorted(p.parent for p in (REPO / "cases").glob("*/*/task.toml"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_folder(case):
    task = load_task(case)
    assert (case / f"test_{task.id}.py").is_file(), "the validator must be test_<task_id>.py"
    assert set(task.verdict) == {"observed", "trusted"}, "[verdict] must say what is observed and what is trusted"
    for name in placeholders_used(task.prompt_template):
        if name.startswith("threshold:"):
            task.threshold("smoke", name.split(":", 1)[1])
            task.threshold("full", name.split(":", 1)[1])
    pristine = case / "hidden" / "pristine"
    if pristine.is_dir():  # the grader's pristine copies must be exactly what the agent was given
        for path in sorted(p for p in pristine.rglob("*") if p.is_file()):
            given = case / "workspace" / path.relative_to(pristine)
            if given.exists():
                assert filecmp.cmp(path, given, shallow=False), f"{path.relative_to(case)} differs from workspace/"


def test_validators_are_short_recipes():
    """The median validator stays a short recipe (issue 20: at most 40 lines); the shared work lives in grading/."""
    lines = [len((c / f"test_{c.name}.py").read_text().splitlines()) for c in CASES]
    assert statistics.median(lines) <= 40, sorted(lines)
