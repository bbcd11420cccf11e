"""`mldevbench plan`: how many runs per task the gate needs to catch a given drop, and what they cost.

For each agent-model of a baseline report, the power of the compare gate is simulated (report/power.py:
the baseline's smoothed per-task rates, a drop spread as one logit shift) for a new run of m runs per task
against this baseline, and for both sides re-run with m runs each; the smallest m that reaches the target
power is searched by doubling, then bisection (power grows with m up to the saw-teeth of an exact test on
counts, which are smaller than the Monte Carlo error). Cost and time come from the baseline's own trials:
per task the mean cost and duration of one trial, summed over tasks, times m.
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

from .power import POWER, SIMULATIONS, Simulation, smoothed_rates
from .progress import duration
from .stats import cells

MAX_RUNS = 256


@dataclass
class Need:
    runs: int | None  # None: not reached (within MAX_RUNS, or power levels off below the target)
    power: float      # at `runs`, or at the most runs tried
    tried: int = 0


@dataclass
class Plan:
    label: str
    base_runs: list[int]
    base_mean: float
    drop: float
    alpha: float
    target: float
    against_baseline: Need | None  # None: the drop exceeds the baseline's mean success
    both_sides: Need | None
    cost_per_run_usd: float        # one run of every task
    seconds_per_run: float
    workers: int


def _smallest(power_at, target: float) -> Need:
    """Smallest m in 1..MAX_RUNS with power_at(m) >= target: doubling, then bisection. Doubling stops early
    once doubling gains less than two points (Monte Carlo noise is ~1.3): against a fixed baseline power levels
    off below 100 %, since the baseline's own noise stays."""
    hi, p_hi = 1, power_at(1)
    while p_hi < target:
        if hi >= MAX_RUNS:
            return Need(None, p_hi, hi)
        p_before, hi = p_hi, min(2 * hi, MAX_RUNS)
        p_hi = power_at(hi)
        if hi >= 8 and p_hi < target and p_hi - p_before < 0.02:
            return Need(None, p_hi, hi)
    lo = hi // 2  # power_at(lo) < target (or lo == 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        p = power_at(mid)
        lo, hi, p_hi = (lo, mid, p) if p >= target else (mid, hi, p_hi)
    return Need(hi, p_hi)


def _per_trial(trials: list[dict], label: str, tasks: list[str]) -> tuple[float, float]:
    """(cost USD, seconds) of one run of every task: per task the mean over its baseline trials, summed."""
    cost, seconds = defaultdict(list), defaultdict(list)
    for t in trials:
        if (t["agent"] if not t.get("model") else f"{t['agent']}-{t['model']}") == label:
            cost[t["task_id"]].append(float(t.get("usage", {}).get("cost_usd", 0.0) or 0.0))
            seconds[t["task_id"]].append(float(t.get("timings", {}).get("total_s", 0.0) or 0.0))
    return (sum(statistics.fmean(cost[task]) for task in tasks if cost[task]),
            sum(statistics.fmean(seconds[task]) for task in tasks if seconds[task]))


def plan(base: dict, drop: float, alpha: float = 0.05, target: float = POWER) -> list[Plan]:
    """One Plan per agent-model of the baseline (those with graded trials)."""
    by_label: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for (task, label), nc in cells(base["trials"]).items():
        if nc[0] > 0:
            by_label[label][task] = nc
    workers = int(base.get("metadata", {}).get("workers") or 0)
    out = []
    for label, found in sorted(by_label.items()):
        tasks = sorted(found)
        counts = [found[t] for t in tasks]
        rates = smoothed_rates(counts)
        base_runs = [n for n, _ in counts]
        possible = drop < sum(rates) / len(rates)

        def against(m: int) -> float:
            return Simulation(rates, base_runs, [m] * len(tasks)).power(drop, alpha)

        def both(m: int) -> float:
            return Simulation(rates, [m] * len(tasks), [m] * len(tasks)).power(drop, alpha)

        cost, seconds = _per_trial(base["trials"], label, tasks)
        out.append(Plan(label, base_runs, sum(c / n for n, c in counts) / len(counts), drop, alpha, target,
                        _smallest(against, target) if possible else None,
                        _smallest(both, target) if possible else None, cost, seconds, workers))
    return out


def _need_line(what: str, need: Need, p: Plan, sides: int) -> str:
    tasks = len(p.base_runs)
    if need.runs is None:
        return (f"  {what}: not reachable (power {100 * need.power:.0f}% with {need.tried} runs per task and "
                "levelling off: the baseline's own noise remains)" if sides == 1 else
                f"  {what}: not reached with {need.tried} runs per task (power {100 * need.power:.0f}%)")
    m = need.runs
    seconds = sides * m * p.seconds_per_run
    wall = f", ≈ {duration(seconds / p.workers)} with -n {p.workers}" if p.workers > 1 else ""
    trials = f"{m * tasks} trials" if sides == 1 else f"{m * tasks} + {m * tasks} trials"
    return (f"  {what}: {m} runs per task ({trials}; power {100 * need.power:.0f}%), expected cost "
            f"${sides * m * p.cost_per_run_usd:.2f}, trial time {duration(seconds)}{wall}")


def render(plans: list[Plan]) -> str:
    lines = []
    for p in plans:
        runs = sorted(set(p.base_runs))
        shown = str(runs[0]) if len(runs) == 1 else f"{runs[0]}-{runs[-1]}"
        lines.append(f"{p.label}: baseline {len(p.base_runs)} tasks × {shown} runs, mean success {100 * p.base_mean:.1f}%; "
                     f"to detect a drop of {100 * p.drop:.1f} points with {100 * p.target:.0f}% power at α = {p.alpha}:")
        if p.against_baseline is None:
            lines.append("  impossible: the mean success cannot drop by more than it is")
            continue
        lines.append(_need_line("new run against this baseline", p.against_baseline, p, 1))
        lines.append(_need_line("both sides re-run", p.both_sides, p, 2))
    lines.append(f"(exact stratified permutation test, one-sided; {SIMULATIONS} simulated runs per design from the "
                 "baseline's per-task rates, smoothed by empirical Bayes; docs/report-schema.md#plan)")
    return "\n".join(lines)
