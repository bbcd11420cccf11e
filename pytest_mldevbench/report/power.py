"""Power of the compare gate, and the smallest drop it detects, by simulating the exact test.

The model (docs/report-schema.md#power): task i passes with probability p_i, estimated from the baseline
and smoothed by empirical Bayes (smoothed_rates: a 3/3 task is not taken to be certain). A drop of d in mean success is one logit shift of every p_i (a common odds
ratio) with mean(q_i) = mean(p_i) - d. A simulated run draws base and new passes from binomials and asks
the gate's own rule (permutation.fires). Draws are common to every d (common random numbers, seeded),
so power is monotone in d and the minimum detectable drop is found by bisection.
"""
from __future__ import annotations

import bisect
import math
import random

from .permutation import fires

POWER = 0.8
SIMULATIONS = 1000
GRID = 40  # support points of the estimated distribution of per-task success probabilities
EM_STEPS = 500
_RESOLUTION = 0.0025  # bisection stops when the drop is known to a quarter of a point


def smoothed_rates(cells: list[tuple[int, int]]) -> list[float]:
    """Per-task pass probabilities for the simulations, from (n graded, c passed) per task.

    A task seen 3/3 may well pass 80 % of the time, and what the gate can detect rests on the tasks'
    variances p(1 - p), so the raw rates (which make that 0) will not do. Nonparametric empirical Bayes: the
    distribution of p over tasks is estimated from all of them (its maximum-likelihood estimate on a grid of
    GRID points, by EM, which finds the clusters of always-, never- and sometimes-solved tasks a benchmark
    has), and each task's rate is its posterior mean under that distribution. A posterior mean sits a little
    nearer 1/2 than the truth, so the stated power errs low (docs/report-schema.md#power gives the figures)."""
    grid = [(j + 0.5) / GRID for j in range(GRID)]
    likelihood = [[g ** c * (1 - g) ** (n - c) for g in grid] for n, c in cells]
    weights = [1 / GRID] * GRID
    for _ in range(EM_STEPS):
        acc = [0.0] * GRID
        for row in likelihood:
            post = [w * x for w, x in zip(weights, row)]
            total = sum(post)
            for j, x in enumerate(post):
                acc[j] += x / total
        new = [a / len(cells) for a in acc]
        converged = max(abs(a - b) for a, b in zip(new, weights)) < 1e-7
        weights = new
        if converged:
            break
    rates = []
    for row in likelihood:
        post = [w * x for w, x in zip(weights, row)]
        rates.append(sum(x * g for x, g in zip(post, grid)) / sum(post))
    return rates


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x > -700 else 0.0


def dropped(rates: list[float], drop: float) -> list[float]:
    """The rates after a drop of `drop` in their mean, as one shift on the logit scale (bisection on it)."""
    target = sum(rates) / len(rates) - drop
    logits = [_logit(p) for p in rates]
    lo, hi = 0.0, 60.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if sum(_expit(x - mid) for x in logits) / len(rates) > target:
            lo = mid
        else:
            hi = mid
    return [_expit(x - hi) for x in logits]


class Simulation:
    """Pairs of runs drawn once (seeded) for one design: per task its rate and its base and new run counts."""

    def __init__(self, rates: list[float], base_runs: list[int], new_runs: list[int],
                 sims: int = SIMULATIONS, seed: int = 0):
        rng = random.Random(seed)
        self.rates, self.base_runs, self.new_runs = rates, base_runs, new_runs
        self.base = [[sum(rng.random() < p for _ in range(nb)) for p, nb in zip(rates, base_runs)]
                     for _ in range(sims)]
        self.draws = [[sorted(rng.random() for _ in range(nn)) for nn in new_runs] for _ in range(sims)]
        self._known: dict[tuple[float, float], tuple[list[float], list[float]]] = {}

    def power(self, drop: float, alpha: float, min_drop: float = 0.0) -> float:
        """Fraction of simulated pairs the gate calls worse when the true mean drops by `drop` (0: its size).

        A pair's new passes only fall as the drop grows, and the gate's verdict with them, so each pair keeps
        the largest drop seen quiet and the smallest seen firing: a later drop outside that bracket is known."""
        new_rates = dropped(self.rates, drop) if drop > 0 else self.rates
        quiet, firing = self._known.setdefault((alpha, min_drop), ([-1.0] * len(self.base), [2.0] * len(self.base)))
        fired = 0
        for s, (base, draws) in enumerate(zip(self.base, self.draws)):
            if drop >= firing[s] or drop <= quiet[s]:
                fired += drop >= firing[s]
                continue
            new = [bisect.bisect_left(u, q) for u, q in zip(draws, new_rates)]
            cells = [((nb, cb), (nn, cn)) for nb, cb, nn, cn in zip(self.base_runs, base, self.new_runs, new)]
            if fires(cells, alpha, min_drop):
                fired += 1
                firing[s] = drop
            else:
                quiet[s] = drop
        return fired / len(self.base)

    def min_detectable_drop(self, alpha: float, power: float = POWER, min_drop: float = 0.0) -> float | None:
        """Smallest drop in mean success detected with probability >= power; None if even losing everything isn't."""
        top = sum(self.rates) / len(self.rates) - 1e-9
        if self.power(top, alpha, min_drop) < power:
            return None
        lo, hi = 0.0, top
        while hi - lo > _RESOLUTION:
            mid = (lo + hi) / 2
            if self.power(mid, alpha, min_drop) >= power:
                hi = mid
            else:
                lo = mid
        return hi
