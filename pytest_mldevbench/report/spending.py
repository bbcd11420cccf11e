"""Group-sequential boundaries by α-spending (Lan & DeMets 1983) with the O'Brien–Fleming-type function.

Looks k = 1..K happen at information fractions t_1 < ... < t_K = 1. The spending function
alpha(t) = 2 - 2 Phi(z_{1 - alpha/2} / sqrt(t)) says how much of the one-sided false-alarm budget may be
used by information t: almost nothing early, alpha at the end. Boundaries c_k are chosen so that, for the
canonical joint distribution of the standardised statistics (Z_k = W(t_k) / sqrt(t_k), W a Brownian motion),
P(Z_1 < c_1, ..., Z_{k-1} < c_{k-1}, Z_k >= c_k) = alpha(t_k) - alpha(t_{k-1}); the crossing probabilities
come from the usual recursive numerical integration over the continuation region (Armitage, McPherson &
Rowe 1969), on a grid of the score W. A look then compares a one-sided p-value with 1 - Phi(c_k).
"""
from __future__ import annotations

import functools
import math
from statistics import NormalDist

_N = NormalDist()
_POINTS_PER_SD = 8  # grid step: an eighth of the next increment's standard deviation (Simpson's rule)
_FLOOR = -8.0  # the continuation region starts here (z scale): the mass below is < 1e-15
_BAND = 9.0  # the Gaussian kernel is cut off this many standard deviations out


def obrien_fleming(t: float, alpha: float) -> float:
    """Lan–DeMets O'Brien–Fleming-type spending: the false-alarm probability spent by information t."""
    if t <= 0:
        return 0.0
    return min(alpha, 2 * (1 - _N.cdf(_N.inv_cdf(1 - alpha / 2) / math.sqrt(t))))


def _upper(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def _simpson(values: list[float], h: float) -> float:
    n = len(values) - 1
    if n < 2:
        return sum(values) * h
    if n % 2:  # odd number of intervals: trapezoid on the last one
        return _simpson(values[:-1], h) + h * (values[-2] + values[-1]) / 2
    return h / 3 * (values[0] + values[-1] + 4 * sum(values[1:-1:2]) + 2 * sum(values[2:-1:2]))


@functools.lru_cache(maxsize=256)
def boundaries(fractions: tuple[float, ...], alpha: float) -> tuple[float, ...]:
    """z boundaries c_k for looks at these information fractions (increasing, the last 1); +inf where a look
    may spend nothing."""
    out: list[float] = []
    grid: list[float] = []  # scores W(t_{k-1}) that continued, on a uniform grid, and their sub-density
    density: list[float] = []
    spent, t_before = 0.0, 0.0
    for k, t in enumerate(fractions):
        sd = math.sqrt(t - t_before)

        def cross(b: float) -> float:
            """P(continued until now and W(t) >= b)."""
            if not grid:
                return _upper(b / sd)
            return _simpson([f * _upper((b - u) / sd) for u, f in zip(grid, density)], grid[1] - grid[0])

        target = obrien_fleming(t, alpha) - spent
        if target <= 1e-15:
            c = math.inf
        else:
            lo, hi = -8.0, 40.0
            while hi - lo > 1e-6:
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if cross(mid * math.sqrt(t)) > target else (lo, mid)
            c = hi
            spent += cross(c * math.sqrt(t))
        out.append(c)
        if k + 1 == len(fractions):
            break
        next_sd = math.sqrt(fractions[k + 1] - t)
        top, bottom = min(c, 12.0) * math.sqrt(t), _FLOOR * math.sqrt(t)
        n = max(2, math.ceil((top - bottom) * _POINTS_PER_SD / next_sd))
        h = (top - bottom) / n
        new_grid = [bottom + i * h for i in range(n + 1)]
        if not grid:
            new_density = [math.exp(-s * s / (2 * sd * sd)) / (sd * math.sqrt(2 * math.pi)) for s in new_grid]
        else:
            old_h, start = grid[1] - grid[0], grid[0]
            reach = _BAND * sd
            new_density = []
            for s in new_grid:
                a = max(0, math.floor((s - reach - start) / old_h))
                b = min(len(grid) - 1, math.ceil((s + reach - start) / old_h))
                window = [density[i] * math.exp(-(s - grid[i]) ** 2 / (2 * sd * sd)) for i in range(a, b + 1)]
                new_density.append(_simpson(window, old_h) / (sd * math.sqrt(2 * math.pi)) if b > a else 0.0)
        grid, density, t_before = new_grid, new_density, t
    return tuple(out)


def nominal_levels(fractions: tuple[float, ...], alpha: float) -> tuple[float, ...]:
    """One-sided nominal p-value thresholds 1 - Phi(c_k) of the looks (0 where a look spends nothing)."""
    return tuple(0.0 if c == math.inf else 1 - _N.cdf(c) for c in boundaries(fractions, alpha))
