"""Parity with the original benchmark: docs/parity.md, rendered from the cases' `[upstream]` tables."""
from __future__ import annotations

from pathlib import Path

from .tasks import CATEGORIES, Task, load_task

ORIGINAL = "https://github.com/ml-dev-bench/ml-dev-bench"
COMMAND = "mldevbench parity --out docs/parity.md"


def load_cases(cases: Path) -> list[Task]:
    """Every case under `cases/<category>/<task_id>/`, in category then id order (TaskError if one is malformed)."""
    tasks = [load_task(toml.parent) for toml in sorted(Path(cases).glob("*/*/task.toml"))]
    return sorted(tasks, key=lambda t: (CATEGORIES.index(t.category), t.id))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _anchor(task: Task) -> str:
    return task.id  # a markdown heading's anchor: task ids are already lower-case words joined by "_"


def render(tasks: list[Task]) -> str:
    """The markdown of docs/parity.md."""
    paper = [t for t in tasks if t.paper]
    comparable = [t for t in paper if t.paper_comparable]
    lines = [
        "# Parity with the original ML-Dev-Bench",
        "",
        f"<!-- Generated from the [upstream] tables of cases/*/*/task.toml by `{COMMAND}`; do not edit. -->",
        "",
        f"Each of the paper's {len(paper)} tasks names the case of the original benchmark ({ORIGINAL}, under",
        "`ml_dev_bench/cases/`) that it re-implements. A task is *comparable* when it asks what the original asks,",
        "with the same files, names and interfaces, so that its results may stand beside the paper's. It may verify",
        "more strictly only where the original's check could be passed without the work (`original check",
        "gameable`), grade the evident intent where the original's check could not be passed as meant (`original",
        "unpassable`), and differ where running offline forces it (`offline`). A deviation marked `unjustified` is",
        "still to be removed (or moved into a variant among the extras); its task is not comparable.",
        "",
        f"**{len(comparable)} of {len(paper)} paper tasks are comparable.** The report's `paper_comparable` aggregate",
        "(the `paper-comparable` row of the terminal table and the HTML report) counts only their trials.",
        "",
        "| task | category | original case | comparable | deviations |",
        "| --- | --- | --- | --- | --- |",
    ]
    for t in paper:
        up = t.upstream
        unjustified = sum(d.startswith("unjustified:") for d in up.deviations)
        count = f"{len(up.deviations)}" + (f" ({unjustified} unjustified)" if unjustified else "")
        lines.append(f"| [{t.id}](#{_anchor(t)}) | {t.category} | `{_cell(up.task)}` | "
                     f"{'yes' if up.comparable else '**no**'} | {count} |")
    lines += ["", "## Deviations, task by task", ""]
    for t in paper:
        lines += _section(t)
    measure = [(t, m) for t in tasks if t.upstream for m in t.upstream.measure]
    lines += ["## Full-profile figures to measure on a GPU with the real data", ""]
    lines += [f"- `{t.id}`: {m}" for t, m in measure] or ["None."]
    extras = [t for t in tasks if not t.paper]
    lines += ["", "## Extras", "", "Not among the paper's tasks; shown apart in every report.", "",
              "| task | original case | comparable |", "| --- | --- | --- |"]
    for t in extras:
        origin, same = (f"`{_cell(t.upstream.task)}`", "yes" if t.upstream.comparable else "no") if t.upstream \
            else ("(none)", "-")
        lines.append(f"| {t.id} | {origin} | {same} |")
    return "\n".join(lines) + "\n"


def _section(task: Task) -> list[str]:
    up = task.upstream
    verdict = "comparable" if up.comparable else "not comparable"
    lines = [f"### {task.id}", "", f"Original: `{up.task}` · {verdict}", ""]
    lines += [f"- {d}" for d in up.deviations] or ["- No deviation."]
    return lines + [""]


def check(tasks: list[Task], path: Path) -> bool:
    """Whether the file at `path` is what `render` gives now."""
    return Path(path).is_file() and Path(path).read_text(encoding="utf-8") == render(tasks)
