"""Statistics over repeated runs: unbiased pass@k, mean ± standard error over runs, cost per solved task.

A *cell* is one task × agent-model; its graded trials (errors excluded) are the n samples of pass@k.
"""
from __future__ import annotations

import math
import statistics
from collections import defaultdict


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): 1 - C(n-c, k) / C(n, k), for n samples of which c passed."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n, got n={n} c={c} k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def mean_sem(values: list[float]) -> tuple[float | None, float | None]:
    """Mean and standard error of the mean (sample stdev / sqrt(n)); the SEM needs at least two values."""
    if not values:
        return None, None
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, None
    return mean, statistics.stdev(values) / math.sqrt(len(values))


def _label(t: dict) -> str:
    return t["agent"] if not t.get("model") else f"{t['agent']}-{t['model']}"


def cells(trials: list[dict]) -> dict[tuple[str, str], tuple[int, int]]:
    """(task_id, agent-model) -> (n graded trials, c passed)."""
    out: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for t in trials:
        if t["outcome"] == "error":
            continue
        cell = out[(t["task_id"], _label(t))]
        cell[0] += 1
        cell[1] += t["outcome"] == "passed"
    return {key: (n, c) for key, (n, c) in sorted(out.items())}


def pass_at_ks(trials: list[dict]) -> dict[str, float]:
    """pass@k for k = 1..min n over cells, averaged over cells (each task × agent-model weighs the same)."""
    found = [nc for nc in cells(trials).values() if nc[0] > 0]
    if not found:
        return {}
    kmax = min(n for n, _ in found)
    return {str(k): round(statistics.fmean(pass_at_k(n, c, k) for n, c in found), 4) for k in range(1, kmax + 1)}


def per_run_rates(trials: list[dict]) -> list[float]:
    """Success rate of each run index (run r = the r-th repetition of every cell), errors excluded."""
    by_run: dict[int, list[bool]] = defaultdict(list)
    for t in trials:
        if t["outcome"] != "error":
            by_run[t.get("run", 1)].append(t["outcome"] == "passed")
    return [sum(v) / len(v) for _, v in sorted(by_run.items()) if v]


def repeated(trials: list[dict]) -> dict:
    """The fields that --runs N adds to every aggregate (see docs/report-schema.md)."""
    rates = per_run_rates(trials)
    mean, sem = mean_sem(rates)
    graded = [t for t in trials if t["outcome"] != "error"]
    passed = sum(t["outcome"] == "passed" for t in graded)
    costs = [t["usage"].get("cost_usd") for t in graded]
    cost = None if None in costs else sum(costs)  # unknown when a model had no price
    tokens = sum(t["usage"]["prompt_tokens"] + t["usage"]["completion_tokens"] for t in graded)
    return {
        "runs": len(rates),
        "success_mean": None if mean is None else round(mean, 4),
        "success_sem": None if sem is None else round(sem, 4),
        "pass_at_k": pass_at_ks(trials),
        "cost_per_solved_usd": round(cost / passed, 6) if passed and cost is not None else None,
        "tokens_per_solved": round(tokens / passed, 1) if passed else None,
    }
