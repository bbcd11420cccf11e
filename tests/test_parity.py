"""Parity with the original benchmark: every paper task's [upstream] table, docs/parity.md, the comparable subset
in the report."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pytest_mldevbench import cli, parity
from pytest_mldevbench.errors import TaskError
from pytest_mldevbench.report import html, table
from pytest_mldevbench.tasks import DEVIATION_REASONS, load_task

from .report.factory import report, trial

REPO = Path(__file__).resolve().parents[1]
TASKS = parity.load_cases(REPO / "cases")
PAPER = [t for t in TASKS if t.paper]


def test_the_paper_has_thirty_tasks_each_naming_its_own_original_case():
    assert len(PAPER) == 30
    missing = [t.id for t in PAPER if t.upstream is None]
    assert not missing, f"paper tasks without [upstream]: {missing}"
    originals = [t.upstream.task for t in PAPER]
    assert len(set(originals)) == 30, "two paper tasks name the same original case"


@pytest.mark.parametrize("task", PAPER, ids=[t.id for t in PAPER])
def test_a_paper_task_says_why_it_differs(task):
    up = task.upstream
    for text in up.deviations:
        assert text.split(":", 1)[0] in DEVIATION_REASONS and text.split(":", 1)[1].strip(), text
    if not up.comparable:
        assert up.deviations, "not comparable, and no reason given"
    else:
        assert not [d for d in up.deviations if d.startswith("unjustified:")]


def test_docs_parity_md_is_up_to_date():
    assert (REPO / "docs" / "parity.md").read_text(encoding="utf-8") == parity.render(TASKS), \
        f"docs/parity.md is out of date: run `{parity.COMMAND}`"


def test_cli_checks_and_writes_the_parity_doc(tmp_path, capsys):
    out = tmp_path / "parity.md"
    assert cli.main(["parity", "--cases", str(REPO / "cases"), "--out", str(out)]) == 0
    assert cli.main(["parity", "--cases", str(REPO / "cases"), "--check", str(out)]) == 0
    out.write_text(out.read_text() + "edited by hand\n")
    assert cli.main(["parity", "--cases", str(REPO / "cases"), "--check", str(out)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert cli.main(["parity", "--cases", str(tmp_path / "nowhere")]) == 1


UPSTREAM = '[upstream]\ntask = "debugging/nan_losses"\ncomparable = false\ndeviations = ["offline: no network"]\n'


@pytest.fixture
def case(tmp_path):
    """A copy of a paper case whose [upstream] table the test replaces: returns write(table_text) -> Path."""
    root = tmp_path / "cases" / "debugging" / "nan_loss_debug"
    shutil.copytree(REPO / "cases" / "debugging" / "nan_loss_debug", root)
    toml = root / "task.toml"
    head = toml.read_text().split("# How this task relates")[0].split("[upstream]")[0]

    def write(upstream: str) -> Path:
        toml.write_text(head + upstream)
        return root
    return write


def test_a_well_formed_table_loads(case):
    up = load_task(case(UPSTREAM)).upstream
    assert (up.task, up.comparable, up.deviations, up.measure) == ("debugging/nan_losses", False, ("offline: no network",), ())


@pytest.mark.parametrize("upstream, field", [
    ("", "field 'upstream' is missing"),
    ('[[upstream]]\ntask = "debugging/nan_losses"\n', "field 'upstream' must be a table"),
    (UPSTREAM.replace('task = "debugging/nan_losses"', 'task = ""'), "field 'upstream.task'"),
    (UPSTREAM.replace('task = "debugging/nan_losses"', 'task = "../nan_losses"'), "field 'upstream.task'"),
    (UPSTREAM.replace("comparable = false", 'comparable = "no"'), "field 'upstream.comparable'"),
    (UPSTREAM.replace('deviations = ["offline: no network"]', "deviations = []"), "field 'upstream.deviations' is empty"),
    (UPSTREAM.replace('"offline: no network"', '"we prefer it"'), "field 'upstream.deviations' has"),
    (UPSTREAM.replace('"offline: no network"', '"Offline: no network"'), "field 'upstream.deviations' has"),
    (UPSTREAM.replace('"offline: no network"', '"offline"'), "field 'upstream.deviations' has"),
    (UPSTREAM.replace('"offline: no network"', '"offline: "'), "field 'upstream.deviations' has"),
    (UPSTREAM.replace('["offline: no network"]', '"offline: no network"'), "field 'upstream.deviations' must be a list"),
    (UPSTREAM.replace("comparable = false", "comparable = true").replace('"offline: no network"', '"unjustified: a new bug"'),
     "field 'upstream.comparable' is true but a deviation is unjustified"),
    (UPSTREAM + "measure = [3]\n", "field 'upstream.measure' must be a list"),
    (UPSTREAM + 'comparible = true\n', "field 'upstream.comparible' is unknown"),
])
def test_a_malformed_table_names_the_file_and_field(case, upstream, field):
    root = case(upstream)
    with pytest.raises(TaskError) as info:
        load_task(root)
    assert str(root / "task.toml") in str(info.value) and field in str(info.value), str(info.value)
    assert "\n" not in str(info.value)


def test_extras_may_go_without_a_table():
    hello = load_task(REPO / "cases" / "extras" / "hello_world")
    assert not hello.paper and not hello.paper_comparable


def _trials() -> list[dict]:
    rows = []
    for task, cat, comparable, outcomes in (("a", "debugging", True, [True, False]), ("b", "debugging", False, [True, True]),
                                             ("c", "extras", True, [True, True])):
        for run, ok in enumerate(outcomes, 1):
            rows.append({**trial(task, "react", run, ok, cat, model="m"), "paper_comparable": comparable and cat != "extras"})
    return rows


def test_the_report_aggregates_the_comparable_subset_beside_overall():
    agg = report(_trials())["aggregates"]
    assert agg["overall"]["passed"] == 3 and agg["overall"]["trials"] == 4            # a and b: the paper tasks
    assert agg["paper_comparable"]["passed"] == 1 and agg["paper_comparable"]["trials"] == 2  # only a
    assert agg["paper_comparable_by_agent_model"]["react-m"]["success_rate"] == 0.5
    assert agg["paper_comparable_tasks"] == ["a"]
    old = report([{k: v for k, v in t.items() if k != "paper_comparable"} for t in _trials()])["aggregates"]
    assert old["paper_comparable"]["trials"] == 0  # records from before the field count as not comparable


def test_the_terminal_table_and_the_html_mark_the_comparable_subset(tmp_path):
    rep = report(_trials())
    rows = {line.split("  ")[0]: line for line in table.render(rep).splitlines()}
    assert "1/2 (50%)" in rows["paper-comparable (1 task)"] and "3/4 (75%)" in rows["overall (paper tasks)"]
    page = html.render(rep, tmp_path / "r.html")
    assert "paper_comparable_by_agent_model" in page and "'paper-comparable ('" in page and "'not comparable'" in page
