"""Synthetic reports for the simulation tests: only the fields the gate reads, so thousands are cheap."""
from __future__ import annotations

import random

from pytest_mldevbench.report import sequential

ALPHA = 0.05


def record(task: str, run: int, passed: bool, agent: str = "a") -> dict:
    return {"task_id": task, "agent": agent, "model": None, "run": run, "outcome": "passed" if passed else "failed"}


def runs(rates: dict[str, float], n: int, rng: random.Random) -> dict:
    """A report of n runs of every task, task t passing with probability rates[t]."""
    return {"trials": [record(t, r, rng.random() < p) for t, p in rates.items() for r in range(1, n + 1)]}


def sequential_session(base: dict, rates: dict[str, float], rounds: int, rng: random.Random) -> sequential.Sequential:
    """Every round of a sequential session drawn at once; the evaluation stops at the look that decides, as
    the session would (a look depends only on the rounds before it), so verdict and stopping round are its."""
    planned, records = {}, {}
    for task, p in rates.items():
        for r in range(1, rounds + 1):
            nodeid = f"{task}[a-{r}]"
            planned[nodeid] = sequential.Planned(task, "a", r)
            records[nodeid] = record(task, r, rng.random() < p)
    return sequential.evaluate(base, sequential.Progress(planned, set(planned), set(), records), rounds)


def rate_bound(n: int, alpha: float = ALPHA) -> float:
    """alpha plus three Monte Carlo standard errors of a rate estimated from n simulations."""
    return alpha + 3 * (alpha * (1 - alpha) / n) ** 0.5
