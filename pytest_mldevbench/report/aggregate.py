"""Aggregate trial records by task, category, agent-model and overall."""
from __future__ import annotations

from collections import defaultdict

from .stats import repeated

PAPER_EXCLUDED = {"extras"}  # not among the paper's 30 tasks: shown apart, left out of "overall"


def total_cost(trials: list[dict]) -> float | None:
    """Summed cost of `trials`; None (unknown) when any of them used a model without a price."""
    costs = [t["usage"].get("cost_usd") for t in trials]
    return None if None in costs else sum(costs)


def label(trial: dict) -> str:
    return trial["agent"] if not trial.get("model") else f"{trial['agent']}-{trial['model']}"


def stats(trials: list[dict]) -> dict:
    """Success counts and sums; errors are excluded from rates (they are the harness's failures)."""
    graded = [t for t in trials if t["outcome"] != "error"]
    passed = sum(t["outcome"] == "passed" for t in graded)
    tokens = sum(t["usage"]["prompt_tokens"] + t["usage"]["completion_tokens"] for t in graded)
    cost = total_cost(graded)
    return {
        "trials": len(trials), "passed": passed, "failed": len(graded) - passed,
        "errors": len(trials) - len(graded),
        "success_rate": round(passed / len(graded), 4) if graded else None,
        "mean_score": round(sum(t["score"] for t in graded) / len(graded), 4) if graded else None,
        "prompt_tokens": sum(t["usage"]["prompt_tokens"] for t in graded),
        "completion_tokens": sum(t["usage"]["completion_tokens"] for t in graded),
        "tokens": tokens, "cost_usd": None if cost is None else round(cost, 6),
        "estimated_calls": sum(t["usage"].get("estimated_calls", 0) for t in graded),
        "steps": sum(t.get("steps", 0) for t in graded),
        "wall_s": round(sum(t.get("timings", {}).get("total_s", 0.0) for t in graded), 3),
        **repeated(trials),
    }


def group(trials: list[dict], key) -> dict[str, dict]:
    buckets: dict[str, list[dict]] = defaultdict(list)
    for t in trials:
        buckets[key(t)].append(t)
    return {k: stats(v) for k, v in sorted(buckets.items())}


def aggregate(trials: list[dict]) -> dict:
    paper = [t for t in trials if t["category"] not in PAPER_EXCLUDED]
    comparable = [t for t in paper if t.get("paper_comparable")]  # records from before the field: not comparable
    return {
        "by_task": group(trials, lambda t: t["task_id"]),
        "by_category": group(trials, lambda t: t["category"]),
        "by_agent_model": group(trials, label),
        "by_category_agent_model": {
            cat: group([t for t in trials if t["category"] == cat], label)
            for cat in sorted({t["category"] for t in trials})
        },
        "by_task_agent_model": {
            task: group([t for t in trials if t["task_id"] == task], label)
            for task in sorted({t["task_id"] for t in trials})
        },
        "overall": stats(paper),
        "overall_by_agent_model": group(paper, label),
        "paper_comparable": stats(comparable),
        "paper_comparable_by_agent_model": group(comparable, label),
        "paper_comparable_tasks": sorted({t["task_id"] for t in comparable}),
    }
