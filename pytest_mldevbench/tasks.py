"""Task: the metadata of one case folder (`cases/<category>/<task_id>/`), loaded and validated."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import tasks_variant
from .errors import TaskError

PROFILES = ("smoke", "full")
CATEGORIES = ("dataset", "training", "debugging", "api_integration", "implementation", "performance", "extras")
EXTRAS = "extras"  # tasks outside the paper's 30 (and variants of paper tasks)
RESOURCE_DEFAULTS: dict[str, int | float] = {
    "cpus": 2, "memory_gb": 4, "gpus": 0, "agent_timeout_s": 3600, "grading_timeout_s": 600,
}

# [timings.<profile>]: measured seconds, read by schedule.py to start the longest trials first
TIMINGS = ("oracle_s", "oracle_gpu_s")


@dataclass(frozen=True)
class Resources:
    cpus: int
    memory_gb: float
    gpus: int
    agent_timeout_s: float
    grading_timeout_s: float


@dataclass(frozen=True)
class Upstream:
    """`[upstream]`: the original benchmark's case this task re-implements, and how far it can be compared."""
    task: str                        # the original's case path under ml_dev_bench/cases/
    comparable: bool                 # asks what the original asks: its results may stand beside the paper's
    deviations: tuple[str, ...] = ()  # "<reason class>: <what differs>"
    measure: tuple[str, ...] = ()    # full-profile figures still to be measured on a GPU: "<what>: <command>"


@dataclass(frozen=True)
class Task:
    id: str
    name: str
    category: str
    root: Path
    assets: tuple[str, ...] = ()         # served to the trial (its mirror prefix reaches these, nothing else)
    grader_assets: tuple[str, ...] = ()  # built before the trial for the grader (sources of hidden splits), never served
    protected: tuple[str, ...] = ()
    editable: tuple[str, ...] | None = None
    artifacts: tuple[str, ...] = ()
    resources: dict[str, Resources] = field(default_factory=dict)
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    upstream: Upstream | None = None
    timings: dict[str, dict[str, float]] = field(default_factory=dict)  # measured seconds per profile
    verdict: dict[str, str] = field(default_factory=dict)  # [verdict]: how grading decides (docs/validity.md)
    parent: Path | None = None  # `variant_of`: the case whose hidden/, workspace/ and prompt.md it shares

    @property
    def paper(self) -> bool:
        """One of the paper's 30 tasks (every category but extras)."""
        return self.category != EXTRAS

    @property
    def paper_comparable(self) -> bool:
        """A paper task whose results may stand beside the paper's (its `[upstream]` says comparable)."""
        return self.paper and self.upstream is not None and self.upstream.comparable

    @property
    def workspace(self) -> Path:
        return self._layered("workspace")

    @property
    def hidden(self) -> Path:
        return self._layered("hidden")

    def _layered(self, name: str) -> Path:
        if self.parent is None:
            return self.root / name
        return tasks_variant.merged(self.root, self.parent, name)

    @property
    def solution(self) -> Path:
        return self.root / "solution"

    @property
    def prompt_path(self) -> Path:
        own = self.root / "prompt.md"
        return own if self.parent is None or own.is_file() else self.parent / "prompt.md"

    @property
    def prompt_template(self) -> str:
        return self.prompt_path.read_text(encoding="utf-8")

    def resources_for(self, profile: str) -> Resources:
        return self.resources[profile]

    def threshold(self, profile: str, name: str) -> float:
        values = self.thresholds.get(profile, {})
        if name not in values:
            raise TaskError(f"{self.root / 'task.toml'}: field 'thresholds.{profile}.{name}' is missing")
        return values[name]


# Why a paper task may differ from the original's (the text before the first colon of a deviation). Only
# the first three justify a difference; "unjustified" records one still to be removed, so its task is not
# comparable.
DEVIATION_REASONS = ("original check gameable", "original unpassable", "offline", "unjustified")
UPSTREAM_KEYS = ("task", "comparable", "deviations", "measure")

# A prompt that states its budget (a threshold with one of these names) must state the limit the harness
# enforces: the resource it is checked against.
STATED_BUDGET = {"wall_time_s": "agent_timeout_s", "cpus": "cpus", "gpus": "gpus", "ram_gb": "memory_gb"}


def load_task(root: Path) -> Task:
    """Load and validate `root/task.toml`; raise TaskError naming the file and field."""
    path = root / "task.toml"
    if not path.is_file():
        raise TaskError(f"{path}: file is missing")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TaskError(f"{path}: not valid TOML ({exc})") from None

    def fail(fld: str, why: str) -> TaskError:
        return TaskError(f"{path}: field '{fld}' {why}")

    def text(key: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise fail(key, "must be a non-empty string")
        return value

    task_id, name, category = text("id"), text("name"), text("category")
    if task_id != root.name:
        raise fail("id", f"is {task_id!r} but the folder is {root.name!r}")
    if category not in CATEGORIES:
        raise fail("category", f"is {category!r}; expected one of {', '.join(CATEGORIES)}")
    if category != root.parent.name:
        raise fail("category", f"is {category!r} but the parent folder is {root.parent.name!r}")

    files = _table(data, "files", fail)
    resources = _resources(data, fail)
    thresholds = {p: _numbers(_table(_table(data, "thresholds", fail), p, fail, f"thresholds.{p}"),
                              f"thresholds.{p}", fail) for p in PROFILES}
    timings = {p: _numbers(_table(_table(data, "timings", fail), p, fail, f"timings.{p}"), f"timings.{p}", fail)
               for p in PROFILES}
    for p, values in timings.items():
        for k, v in values.items():
            if k not in TIMINGS or v < 0:
                raise fail(f"timings.{p}.{k}", f"is unknown; expected one of {', '.join(TIMINGS)}" if k not in TIMINGS
                           else "must be a non-negative number")
    for p in PROFILES:
        for stated, enforced in STATED_BUDGET.items():
            limit = getattr(resources[p], enforced)
            if stated in thresholds[p] and thresholds[p][stated] != limit:
                raise fail(f"thresholds.{p}.{stated}", f"is {thresholds[p][stated]:g} but the enforced "
                           f"resources.{enforced} is {limit:g} (the prompt would state a wrong budget)")
    parent = tasks_variant.parent_root(root, data[tasks_variant.KEY], fail) if tasks_variant.KEY in data else None
    if not (root / "prompt.md").is_file() and not (parent and (parent / "prompt.md").is_file()):
        raise TaskError(f"{root / 'prompt.md'}: file is missing")
    if not (root / "solution" / "solve.sh").is_file():
        raise TaskError(f"{root / 'solution' / 'solve.sh'}: file is missing (the oracle)")
    editable = files.get("editable")
    return Task(
        id=task_id, name=name, category=category, root=root,
        assets=_strings(data.get("assets", []), "assets", fail),
        grader_assets=_strings(data.get("grader_assets", []), "grader_assets", fail),
        protected=_strings(files.get("protected", []), "files.protected", fail),
        editable=None if editable is None else _strings(editable, "files.editable", fail),
        artifacts=_strings(files.get("artifacts", []), "files.artifacts", fail),
        resources=resources, thresholds=thresholds, upstream=_upstream(data, category, fail), timings=timings,
        verdict=_verdict(data, fail), parent=parent,
    )


VERDICT_KEYS = ("observed", "trusted")


def _verdict(data: dict, fail) -> dict[str, str]:
    """`[verdict]`: `observed` (what of the agent's runs at grading, and what is collected from it as data) and
    `trusted` (what trusted code recomputes or compares it with); rendered into docs/validity.md."""
    table = _table(data, "verdict", fail)
    for key, value in table.items():
        if key not in VERDICT_KEYS:
            raise fail(f"verdict.{key}", f"is unknown; expected one of {', '.join(VERDICT_KEYS)}")
        if not isinstance(value, str) or not value.strip():
            raise fail(f"verdict.{key}", "must be a non-empty string")
    return dict(table)


def _upstream(data: dict, category: str, fail) -> Upstream | None:
    """The `[upstream]` table: required for a paper task, optional for extras (a variant names its parent)."""
    if "upstream" not in data:
        if category != EXTRAS:
            raise fail("upstream", "is missing: every paper task names the original's case it re-implements "
                                   "(docs/parity.md)")
        return None
    table = _table(data, "upstream", fail)
    unknown = sorted(set(table) - set(UPSTREAM_KEYS))
    if unknown:
        raise fail(f"upstream.{unknown[0]}", f"is unknown; expected one of {', '.join(UPSTREAM_KEYS)}")
    task = table.get("task")
    if not isinstance(task, str) or not task.strip() or task.startswith("/") or ".." in task.split("/"):
        raise fail("upstream.task", "must be the original's case path, relative to ml_dev_bench/cases/")
    comparable = table.get("comparable")
    if not isinstance(comparable, bool):
        raise fail("upstream.comparable", "must be true or false")
    deviations = _texts(table.get("deviations", []), "upstream.deviations", fail)
    for text in deviations:
        reason, _, what = text.partition(":")
        if reason not in DEVIATION_REASONS or not what.strip():
            raise fail("upstream.deviations", f"has {text[:60]!r}; each starts with its reason: "
                       + ", ".join(f"'{r}: ...'" for r in DEVIATION_REASONS))
        if comparable and reason == "unjustified":
            raise fail("upstream.comparable", f"is true but a deviation is unjustified: {text[:60]!r}")
    if not comparable and not deviations:
        raise fail("upstream.deviations", "is empty: a task that is not comparable says why")
    return Upstream(task=task.strip(), comparable=comparable, deviations=deviations,
                    measure=_texts(table.get("measure", []), "upstream.measure", fail))


def _texts(value: Any, fld: str, fail) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(fld, "must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _table(data: dict, key: str, fail, label: str | None = None) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise fail(label or key, "must be a table")
    return value


def _strings(value: Any, fld: str, fail) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise fail(fld, "must be a list of non-empty strings")
    for v in value:
        if v.startswith("/") or ".." in Path(v).parts:
            raise fail(fld, f"has {v!r}; paths must be relative to the workspace")
    return tuple(value)


def _numbers(table: dict, fld: str, fail) -> dict[str, float]:
    for k, v in table.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise fail(f"{fld}.{k}", "must be a number")
    return dict(table)


def _resources(data: dict, fail) -> dict[str, Resources]:
    base = _table(data, "resources", fail)
    out = {}
    for profile in PROFILES:
        merged = dict(RESOURCE_DEFAULTS)
        merged.update({k: v for k, v in base.items() if k not in PROFILES})
        merged.update(_table(base, profile, fail, f"resources.{profile}"))
        for k, v in merged.items():
            if k not in RESOURCE_DEFAULTS:
                raise fail(f"resources.{k}", f"is unknown; expected one of {', '.join(RESOURCE_DEFAULTS)}")
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise fail(f"resources.{k}", "must be a non-negative number")
        out[profile] = Resources(**merged)
    return out
