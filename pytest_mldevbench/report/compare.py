"""Compare two reports task by task, with an exact stratified permutation test as a CI gate.

The unit of comparison is a task (for one agent-model pairing). Within each task, the null hypothesis is
that base and new trials are exchangeable: every relabelling of the pooled trials into a "base" group
and a "new" group of the original sizes is equally likely. The statistic is the mean over tasks of
(new success rate - base success rate). Outcomes are binary, so inside one task the number of passes that
fall in the "new" group is hypergeometric, and the exact null distribution of the statistic is the
convolution of those per-task distributions (sampled, with a fixed seed, only when its support grows
very large, e.g. many tasks with unequal trial counts): no normal approximation. With one run
per task this is the exact paired sign-flip test over tasks; with one task and many runs it is Fisher's
exact test. The computation lives in report/permutation.py; report/power.py says what a comparison could
detect. See docs/report-schema.md ("compare") for why this test.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from . import permutation
from .power import POWER, SIMULATIONS, Simulation, smoothed_rates
from .stats import cells

ALPHA = 0.05
SCHEMA = "mldevbench.compare/1"


@dataclass
class TaskDiff:
    task_id: str
    base: tuple[int, int]  # (n graded, c passed)
    new: tuple[int, int]

    @property
    def base_rate(self) -> float:
        return self.base[1] / self.base[0]

    @property
    def new_rate(self) -> float:
        return self.new[1] / self.new[0]

    @property
    def diff(self) -> float:
        return self.new_rate - self.base_rate


@dataclass
class Comparison:
    base_label: str
    new_label: str
    tasks: list[TaskDiff]
    only_base: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)
    p_worse: float = 1.0
    p_better: float = 1.0
    alpha: float = ALPHA
    min_drop: float = 0.0
    power: float = POWER

    @property
    def mean_diff(self) -> float:
        return sum(t.diff for t in self.tasks) / len(self.tasks) if self.tasks else 0.0

    @property
    def base_mean(self) -> float:
        return sum(t.base_rate for t in self.tasks) / len(self.tasks) if self.tasks else 0.0

    @property
    def new_mean(self) -> float:
        return sum(t.new_rate for t in self.tasks) / len(self.tasks) if self.tasks else 0.0

    @property
    def verdict(self) -> str:
        if self.tasks and permutation.rejects(self.p_worse, self.mean_diff, self.alpha, self.min_drop):
            return "worse"
        if self.tasks and self.p_better < self.alpha:
            return "better"
        return "no significant change"

    @functools.cached_property
    def min_detectable_drop(self) -> float | None:
        """Smallest drop in mean success this gate detects with probability self.power at these run counts,
        simulated from the baseline's smoothed per-task rates (report/power.py); None if none is."""
        if not self.tasks:
            return None
        rates = smoothed_rates([t.base for t in self.tasks])
        sim = Simulation(rates, [t.base[0] for t in self.tasks], [t.new[0] for t in self.tasks])
        return sim.min_detectable_drop(self.alpha, self.power, self.min_drop)

    def to_dict(self) -> dict:
        mdd = self.min_detectable_drop
        return {
            "base_label": self.base_label, "new_label": self.new_label, "tasks_compared": len(self.tasks),
            "base_mean": round(self.base_mean, 6), "new_mean": round(self.new_mean, 6),
            "mean_diff": round(self.mean_diff, 6), "p_worse": self.p_worse, "p_better": self.p_better,
            "alpha": self.alpha, "min_drop": self.min_drop, "verdict": self.verdict,
            "power": self.power, "min_detectable_drop": None if mdd is None else round(mdd, 4),
            "simulations": SIMULATIONS,
            "tasks": [{"task_id": t.task_id, "base": {"graded": t.base[0], "passed": t.base[1]},
                       "new": {"graded": t.new[0], "passed": t.new[1]}, "diff": round(t.diff, 6)} for t in self.tasks],
            "only_base": self.only_base, "only_new": self.only_new,
        }


def p_values(tasks: list[TaskDiff]) -> tuple[float, float]:
    """One-sided p-values (new worse, new better) of the summed per-task rate difference."""
    return permutation.p_values([(t.base, t.new) for t in tasks])


def _labels(report: dict) -> list[str]:
    return sorted({label for _, label in cells(report["trials"])})


def pair_labels(b: list[str], n: list[str]) -> list[tuple[str, str]]:
    """Agent-models compared: those in both lists; else, if each list has exactly one, that pair."""
    common = [label for label in b if label in n]
    if common:
        return [(label, label) for label in common]
    if len(b) == 1 and len(n) == 1:
        return [(b[0], n[0])]
    raise ValueError(f"no agent-model in common between the reports (base: {', '.join(b) or 'none'}; "
                     f"new: {', '.join(n) or 'none'})")


def pairings(base: dict, new: dict) -> list[tuple[str, str]]:
    """Agent-models compared: those in both reports; else, if each report has exactly one, that pair."""
    return pair_labels(_labels(base), _labels(new))


def unpaired_note(base: dict, new: dict) -> str | None:
    """A line naming agent-models present in only one report (they are not compared), if any."""
    paired = pairings(base, new)
    b = [x for x in _labels(base) if x not in {p[0] for p in paired}]
    n = [x for x in _labels(new) if x not in {p[1] for p in paired}]
    parts = [f"only in {side}: {', '.join(found)}" for side, found in (("base", b), ("new", n)) if found]
    return "agent-models not compared (" + "; ".join(parts) + ")" if parts else None


def compare(base: dict, new: dict, alpha: float = ALPHA, min_drop: float = 0.0,
            power_target: float = POWER) -> list[Comparison]:
    """One Comparison per agent-model pairing; tasks must be graded at least once on both sides."""
    base_cells, new_cells = cells(base["trials"]), cells(new["trials"])
    out = []
    for bl, nl in pairings(base, new):
        b = {task: nc for (task, label), nc in base_cells.items() if label == bl and nc[0] > 0}
        n = {task: nc for (task, label), nc in new_cells.items() if label == nl and nc[0] > 0}
        tasks = [TaskDiff(task, b[task], n[task]) for task in sorted(b) if task in n]
        comp = Comparison(bl, nl, tasks, sorted(set(b) - set(n)), sorted(set(n) - set(b)),
                          alpha=alpha, min_drop=min_drop, power=power_target)
        comp.p_worse, comp.p_better = p_values(tasks)
        out.append(comp)
    return out


def gate(comparisons: list[Comparison]) -> bool:
    """True when no pairing is significantly worse."""
    return all(c.verdict != "worse" for c in comparisons)


def _name(c: Comparison) -> str:
    return c.new_label if c.base_label == c.new_label else f"{c.base_label} -> {c.new_label}"


def detectable(c: Comparison) -> str:
    """The minimum detectable drop in words, e.g. '12.5 points'."""
    mdd = c.min_detectable_drop
    if mdd is None:
        return "none" if not c.tasks else "none (even losing every pass is missed too often: add runs)"
    return f"{100 * mdd:.1f} points"


def render_text(comparisons: list[Comparison]) -> str:
    lines = []
    for c in comparisons:
        lines.append(f"{_name(c)}: {100 * c.base_mean:.1f}% -> {100 * c.new_mean:.1f}% "
                     f"({100 * c.mean_diff:+.1f} points over {len(c.tasks)} tasks; "
                     f"p(worse)={c.p_worse:.4f}, p(better)={c.p_better:.4f}) => {c.verdict.upper()}")
        lines.append(f"  minimum detectable drop: {detectable(c)} ({100 * c.power:.0f}% power at α = {c.alpha})")
        width = max([len(t.task_id) for t in c.tasks] + [4])
        for t in c.tasks:
            mark = "  " if abs(t.diff) < 1e-12 else ("- " if t.diff < 0 else "+ ")
            lines.append(f"  {mark}{t.task_id.ljust(width)}  {t.base[1]}/{t.base[0]} -> {t.new[1]}/{t.new[0]}  "
                         f"({100 * t.diff:+.0f})")
        for name, only in (("base", c.only_base), ("new", c.only_new)):
            if only:
                lines.append(f"  only in {name} (not compared): {', '.join(only)}")
    lines.append("gate: " + ("PASS" if gate(comparisons) else "FAIL (significantly worse)"))
    return "\n".join(lines)


def render_markdown(comparisons: list[Comparison]) -> str:
    ok = gate(comparisons)
    power = f"{100 * comparisons[0].power:.0f} %" if comparisons else "80 %"
    lines = [f"### ML-Dev-Bench comparison: {'✅ no regression' if ok else '❌ significantly worse'}", "",
             "| agent-model | tasks | base | new | Δ points | p (worse) | p (better) | verdict | "
             f"min. detectable drop ({power} power) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |"]
    for c in comparisons:
        lines.append(f"| {_name(c)} | {len(c.tasks)} | {100 * c.base_mean:.1f}% | {100 * c.new_mean:.1f}% | "
                     f"{100 * c.mean_diff:+.1f} | {c.p_worse:.4f} | {c.p_better:.4f} | {c.verdict} | "
                     f"{detectable(c).split(' (')[0]} |")
    for c in comparisons:
        changed = [t for t in c.tasks if abs(t.diff) > 1e-12]
        if not changed:
            continue
        lines += ["", f"<details><summary>{_name(c)}: {len(changed)} of {len(c.tasks)} tasks changed</summary>", "",
                  "| task | base | new | Δ |", "| --- | ---: | ---: | ---: |"]
        lines += [f"| {t.task_id} | {t.base[1]}/{t.base[0]} | {t.new[1]}/{t.new[0]} | {100 * t.diff:+.0f} |"
                  for t in sorted(changed, key=lambda t: t.diff)]
        lines += ["", "</details>"]
    alpha = comparisons[0].alpha if comparisons else ALPHA
    lines += ["", f"_Exact stratified permutation test over tasks, one-sided, α = {alpha}. Minimum detectable "
                  f"drop: the smallest drop in mean success the test catches with {power} power at these run "
                  f"counts ({SIMULATIONS} simulations from the baseline's smoothed per-task rates)._"]
    return "\n".join(lines)


def to_json(comparisons: list[Comparison], note: str | None = None) -> dict:
    """The machine-readable comparison (`compare --json`, and the `gate` of a report under --mldb-baseline)."""
    return {"schema": SCHEMA, "gate": "pass" if gate(comparisons) else "fail",
            "comparisons": [c.to_dict() for c in comparisons], "not_compared": note}
