"""Compare two reports task by task, with an exact stratified permutation test as a CI gate.

The unit of comparison is a task (for one agent-model pairing). Within each task, the null hypothesis is
that base and new trials are exchangeable: every relabelling of the pooled trials into a "base" group
and a "new" group of the original sizes is equally likely. The statistic is the mean over tasks of
(new success rate - base success rate). Outcomes are binary, so inside one task the number of passes that
fall in the "new" group is hypergeometric, and the exact null distribution of the statistic is the
convolution of those per-task distributions (sampled, with a fixed seed, only when its support grows
very large, e.g. many tasks with unequal trial counts): no normal approximation. With one run
per task this is the exact paired sign-flip test over tasks; with one task and many runs it is Fisher's
exact test. See docs/report-schema.md ("compare") for why this test.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from .stats import cells

ALPHA = 0.05


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
        if self.tasks and self.p_worse < self.alpha and -self.mean_diff > self.min_drop:
            return "worse"
        if self.tasks and self.p_better < self.alpha:
            return "better"
        return "no significant change"


def _task_distribution(nb: int, nn: int, c: int) -> dict[int, float]:
    """Hypergeometric: passes among the nn 'new' trials when c of nb + nn pooled trials passed."""
    total = math.comb(nb + nn, nn)
    return {x: math.comb(c, x) * math.comb(nb + nn - c, nn - x) / total
            for x in range(max(0, c - nb), min(c, nn) + 1)}


def _key(value: float) -> float:
    return round(value, 9)  # merges sums that differ by float noise only


EXACT_LIMIT = 50_000  # support points of the exact distribution before falling back to sampling
SAMPLES = 20_000


def _steps(tasks: list[TaskDiff]) -> list[dict[float, float]]:
    """Per task: the null distribution of its rate difference (new - base)."""
    out = []
    for t in tasks:
        (nb, cb), (nn, cn) = t.base, t.new
        c = cb + cn
        out.append({_key(x / nn - (c - x) / nb): p for x, p in _task_distribution(nb, nn, c).items()})
    return out


def _exact(steps: list[dict[float, float]]) -> dict[float, float] | None:
    dist = {0.0: 1.0}
    for step in steps:
        merged: dict[float, float] = {}
        for v, p in dist.items():
            for dv, dp in step.items():
                k = _key(v + dv)
                merged[k] = merged.get(k, 0.0) + p * dp
        if len(merged) > EXACT_LIMIT:
            return None
        dist = merged
    return dist


def _sampled(steps: list[dict[float, float]], observed: float) -> tuple[float, float]:
    """Monte Carlo p-values (seeded, so reproducible) when the exact support is too large."""
    import bisect
    import random
    rng = random.Random(0)
    tables = []
    for step in steps:
        values, cum, acc = [], [], 0.0
        for v, p in step.items():
            acc += p
            values.append(v)
            cum.append(acc)
        tables.append((values, cum))
    worse = better = 0
    for _ in range(SAMPLES):
        total = 0.0
        for values, cum in tables:
            total += values[min(bisect.bisect_left(cum, rng.random() * cum[-1]), len(values) - 1)]
        worse += total <= observed + 1e-9
        better += total >= observed - 1e-9
    return (worse + 1) / (SAMPLES + 1), (better + 1) / (SAMPLES + 1)


def p_values(tasks: list[TaskDiff]) -> tuple[float, float]:
    """One-sided p-values (new worse, new better) of the summed per-task rate difference."""
    if not tasks:
        return 1.0, 1.0
    steps = _steps(tasks)
    observed = _key(sum(t.diff for t in tasks))
    dist = _exact(steps)
    if dist is None:
        return _sampled(steps, observed)
    worse = sum(p for v, p in dist.items() if v <= observed + 1e-9)
    better = sum(p for v, p in dist.items() if v >= observed - 1e-9)
    return min(1.0, worse), min(1.0, better)


def _labels(report: dict) -> list[str]:
    return sorted({label for _, label in cells(report["trials"])})


def pairings(base: dict, new: dict) -> list[tuple[str, str]]:
    """Agent-models compared: those in both reports; else, if each report has exactly one, that pair."""
    b, n = _labels(base), _labels(new)
    common = [label for label in b if label in n]
    if common:
        return [(label, label) for label in common]
    if len(b) == 1 and len(n) == 1:
        return [(b[0], n[0])]
    raise ValueError(f"no agent-model in common between the reports (base: {', '.join(b) or 'none'}; "
                     f"new: {', '.join(n) or 'none'})")


def unpaired_note(base: dict, new: dict) -> str | None:
    """A line naming agent-models present in only one report (they are not compared), if any."""
    paired = pairings(base, new)
    b = [x for x in _labels(base) if x not in {p[0] for p in paired}]
    n = [x for x in _labels(new) if x not in {p[1] for p in paired}]
    parts = [f"only in {side}: {', '.join(found)}" for side, found in (("base", b), ("new", n)) if found]
    return "agent-models not compared (" + "; ".join(parts) + ")" if parts else None


def compare(base: dict, new: dict, alpha: float = ALPHA, min_drop: float = 0.0) -> list[Comparison]:
    """One Comparison per agent-model pairing; tasks must be graded at least once on both sides."""
    base_cells, new_cells = cells(base["trials"]), cells(new["trials"])
    out = []
    for bl, nl in pairings(base, new):
        b = {task: nc for (task, label), nc in base_cells.items() if label == bl and nc[0] > 0}
        n = {task: nc for (task, label), nc in new_cells.items() if label == nl and nc[0] > 0}
        tasks = [TaskDiff(task, b[task], n[task]) for task in sorted(b) if task in n]
        comp = Comparison(bl, nl, tasks, sorted(set(b) - set(n)), sorted(set(n) - set(b)),
                          alpha=alpha, min_drop=min_drop)
        comp.p_worse, comp.p_better = p_values(tasks)
        out.append(comp)
    return out


def gate(comparisons: list[Comparison]) -> bool:
    """True when no pairing is significantly worse."""
    return all(c.verdict != "worse" for c in comparisons)


def _name(c: Comparison) -> str:
    return c.new_label if c.base_label == c.new_label else f"{c.base_label} -> {c.new_label}"


def render_text(comparisons: list[Comparison]) -> str:
    lines = []
    for c in comparisons:
        lines.append(f"{_name(c)}: {100 * c.base_mean:.1f}% -> {100 * c.new_mean:.1f}% "
                     f"({100 * c.mean_diff:+.1f} points over {len(c.tasks)} tasks; "
                     f"p(worse)={c.p_worse:.4f}, p(better)={c.p_better:.4f}) => {c.verdict.upper()}")
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
    lines = [f"### ML-Dev-Bench comparison: {'✅ no regression' if ok else '❌ significantly worse'}", "",
             "| agent-model | tasks | base | new | Δ points | p (worse) | p (better) | verdict |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for c in comparisons:
        lines.append(f"| {_name(c)} | {len(c.tasks)} | {100 * c.base_mean:.1f}% | {100 * c.new_mean:.1f}% | "
                     f"{100 * c.mean_diff:+.1f} | {c.p_worse:.4f} | {c.p_better:.4f} | {c.verdict} |")
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
    lines += ["", f"_Exact stratified permutation test over tasks, one-sided, α = {alpha}._"]
    return "\n".join(lines)
