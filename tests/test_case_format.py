"""Static checks of every case folder: metadata loads, files are where the format says, copies agree."""
from __future__ import annotations

import filecmp
import statistics
from pathlib import Path

import pytest

from pytest_mldevbench.prompt import placeholders_used
from pytest_mldevbench.errors import TaskError
from pytest_mldevbench.tasks import load_task
from pytest_mldevbench.tasks_variant import parent_validator

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


def _case(cases: Path, ref: str, toml: str = "", files: dict[str, str] | None = None) -> Path:
    """A minimal case folder cases/<ref> (task.toml + `toml`, solution/solve.sh and `files`)."""
    root = cases / ref
    (root / "solution").mkdir(parents=True)
    (root / "solution" / "solve.sh").write_text("true\n")
    category, task_id = ref.split("/")
    (root / "task.toml").write_text(f'id = "{task_id}"\nname = "{task_id}"\ncategory = "{category}"\n{toml}')
    for name, text in (files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_variant_shares_its_parents_files_and_its_own_win(tmp_path, monkeypatch):
    monkeypatch.setenv("MLDB_CACHE", str(tmp_path / "cache"))
    _case(tmp_path, "debugging/base", files={"prompt.md": "fix it\n", "hidden/judge.py": "base\n",
                                             "hidden/probes.py": "probes\n", "workspace/train.py": "bug\n"})
    variant = load_task(_case(tmp_path, "extras/harder", 'variant_of = "debugging/base"\n',
                              {"hidden/judge.py": "harder\n", "workspace/extra.py": "x\n"}))
    assert (variant.hidden / "judge.py").read_text() == "harder\n"
    assert (variant.hidden / "probes.py").read_text() == "probes\n"
    assert sorted(p.name for p in variant.workspace.iterdir()) == ["extra.py", "train.py"]
    assert variant.prompt_template == "fix it\n"
    assert tmp_path / "cache" in variant.hidden.parents  # hidden from the sandbox like the cases folder


@pytest.mark.parametrize("ref, why", [
    ("debugging/missing", "does not exist"),
    ("extras/harder", "names the case itself"),
    ("extras/other", "is itself a variant"),
    ("../debugging/base", "expected '<category>/<task_id>'"),
    (3, "expected '<category>/<task_id>'"),
])
def test_a_bad_variant_reference_is_one_line(tmp_path, ref, why):
    _case(tmp_path, "debugging/base", files={"prompt.md": "p\n"})
    _case(tmp_path, "extras/other", 'variant_of = "debugging/base"\n')
    value = f'"{ref}"' if isinstance(ref, str) else ref
    with pytest.raises(TaskError) as caught:
        load_task(_case(tmp_path, "extras/harder", f"variant_of = {value}\n"))
    message = str(caught.value)
    assert "\n" not in message and "field 'variant_of'" in message and why in message, message


def test_a_variant_may_take_its_parents_validator_and_only_a_variant(tmp_path, monkeypatch):
    monkeypatch.setenv("MLDB_CACHE", str(tmp_path / "cache"))
    _case(tmp_path, "extras/base", files={"prompt.md": "p\n", "test_base.py": "def test_base(grading):\n    pass\n"})
    _case(tmp_path, "extras/harder", 'variant_of = "extras/base"\n')
    assert parent_validator(str(tmp_path / "extras/harder/test_harder.py")).__name__ == "test_base"
    with pytest.raises(TaskError, match="needs `variant_of`"):
        parent_validator(str(tmp_path / "extras/base/test_base.py"))
