"""The exact stratified permutation test of `compare`: one-sided p-values of the summed per-task rate difference.

A task contributes (nb, cb) base trials/passes and (nn, cn) new ones. Under the null hypothesis its nb + nn
trials are exchangeable, so given the pooled passes c = cb + cn the passes X landing in the "new" group are
hypergeometric. The statistic sum(new rate - base rate) equals sum(w * X) - const with w = 1/nn + 1/nb, so
tasks of equal weight add up to one integer count whose exact distribution is the product of their
hypergeometric polynomials. Those products are taken on Python integers (Kronecker substitution: a
polynomial is one big integer with a fixed bit width per coefficient): exact, and fast enough to run inside
the power simulations (report/power.py). Groups of different weight (unequal run counts) are merged over
the support of T on an integer scale, so ties with the observed value stay exact; past EXACT_LIMIT support
points a seeded Monte Carlo is used.
"""
from __future__ import annotations

import bisect
import functools
import math
import random
from collections import Counter
from fractions import Fraction
from statistics import NormalDist

Cell = tuple[tuple[int, int], tuple[int, int]]  # ((nb, cb), (nn, cn)): graded trials and passes per side

EXACT_LIMIT = 50_000  # support points of the exact distribution before falling back to sampling
SAMPLES = 20_000
EXACT_BITS = 1 << 17  # size (bits) of the exact product up to which simulations compute it (~1 ms)
SCREEN_BITS = 1 << 12  # above this size, simulations let a normal p-value far from alpha decide
_TOL = 1e-9


@functools.lru_cache(maxsize=65_536)
def hypergeometric(nb: int, nn: int, c: int) -> tuple[int, tuple[int, ...]]:
    """(lo, counts): relabellings that put x = lo, lo+1, ... of the c pooled passes among the nn 'new' trials."""
    lo, hi = max(0, c - nb), min(c, nn)
    return lo, tuple(math.comb(c, x) * math.comb(nb + nn - c, nn - x) for x in range(lo, hi + 1))


class _Group:
    """The null distribution of X, the 'new' passes summed over tasks of one weight w."""

    def __init__(self, weight: Fraction, cells: list[Cell]):
        self.weight = weight
        self.observed = sum(cn for _, (_, cn) in cells)
        self.offset, self.total, self.length, self.mean, self.var = 0, 1, 1, 0.0, 0.0
        self._parts = []
        for (nb, nn, c), k in Counter((nb, nn, cb + cn) for (nb, cb), (nn, cn) in cells).items():
            lo, counts = hypergeometric(nb, nn, c)
            n = nb + nn
            self.offset += k * lo
            self.mean += k * nn * c / n
            if len(counts) > 1:  # a task whose trials all passed (or all failed) contributes a constant
                self.var += k * nn * nb * c * (n - c) / (n * n * (n - 1))
                self._parts.append((counts, k))
                self.total *= math.comb(n, nn) ** k
                self.length += k * (len(counts) - 1)
        self.width = -(-(self.total.bit_length() + 1) // 8) * 8  # any coefficient, even a cumulative sum, fits

    @property
    def bits(self) -> int:
        return self.length * self.width

    def counts(self) -> list[int]:
        """Exact counts of X = offset, offset + 1, ...; they sum to total."""
        product = 1
        for counts, k in self._parts:
            product *= sum(c << (self.width * i) for i, c in enumerate(counts)) ** k
        step = self.width // 8
        raw = product.to_bytes(self.length * step, "little")
        return [int.from_bytes(raw[i * step:(i + 1) * step], "little") for i in range(self.length)]

    def tails(self) -> tuple[float, float]:
        """P(X <= observed), P(X >= observed)."""
        counts, x = self.counts(), self.observed - self.offset
        return min(1.0, sum(counts[:x + 1]) / self.total), min(1.0, sum(counts[max(x, 0):]) / self.total)


def _groups(cells: list[Cell]) -> list[_Group]:
    """The cells by weight w = 1/nb + 1/nn (a reduced fraction, so equal weights meet)."""
    out: dict[tuple[int, int], list[Cell]] = {}
    for cell in cells:
        (nb, _), (nn, _) = cell
        g = math.gcd(nb + nn, nb * nn)
        out.setdefault(((nb + nn) // g, nb * nn // g), []).append(cell)
    return [_Group(Fraction(num, den), members) for (num, den), members in out.items()]


def p_values(cells: list[Cell]) -> tuple[float, float]:
    """One-sided p-values (new worse, new better): P(T <= observed) and P(T >= observed) under the null."""
    if not cells:
        return 1.0, 1.0
    groups = _groups(cells)
    if len(groups) == 1:
        return groups[0].tails()
    scale = math.lcm(*(g.weight.denominator for g in groups))  # T * scale is an integer
    dist, observed = {0: 1.0}, 0
    for g in groups:
        step = int(g.weight * scale)
        observed += step * g.observed
        pmf = [(step * (g.offset + i), count / g.total) for i, count in enumerate(g.counts()) if count]
        merged: dict[int, float] = {}
        for v, p in dist.items():
            for dv, dp in pmf:
                merged[v + dv] = merged.get(v + dv, 0.0) + p * dp
        if len(merged) > EXACT_LIMIT:
            return _sampled(cells)
        dist = merged
    worse = sum(p for v, p in dist.items() if v <= observed)
    better = sum(p for v, p in dist.items() if v >= observed)
    return min(1.0, worse), min(1.0, better)


def rejects(p_worse: float, mean_diff: float, alpha: float, min_drop: float = 0.0) -> bool:
    """The gate's rule: the new side is significantly worse and its mean drops by more than min_drop."""
    return p_worse < alpha and -mean_diff > min_drop


def _small(groups: list[_Group]) -> bool:
    """Whether the exact distribution is cheap enough for every simulated run (well under a millisecond)."""
    if len(groups) == 1:
        return groups[0].bits <= SCREEN_BITS
    return math.prod(g.length for g in groups) <= 2_000


def normal_p_worse(groups: list[_Group]) -> float:
    """P(T <= observed) by the continuity-corrected normal approximation of the permutation distribution."""
    t = sum(float(g.weight) * (g.mean - g.observed) for g in groups)
    var = sum(float(g.weight) ** 2 * g.var for g in groups)
    if var <= 0:
        return 0.0 if t > _TOL else 1.0
    half_step = min(float(g.weight) for g in groups) / 2
    return NormalDist().cdf((half_step - t) / math.sqrt(var))


def fires(cells: list[Cell], alpha: float, min_drop: float = 0.0) -> bool:
    """rejects(p_values(cells)[0], ...) for power simulations, with shortcuts that skip most exact p-values:
    (1) one weight and X at or above the ceiling of its null mean: X, a sum of hypergeometrics, is
    Poisson-binomial, whose median is the floor or ceiling of its mean, so p >= 1/2; (2) Bernstein's
    inequality P(T <= mean - t) <= exp(-t^2 / (2 var + 2 w t / 3)) already below alpha; (3) where the exact
    distribution is not small, a normal p-value far from alpha (below alpha/2, above 2 alpha) decides, and
    where it is large (EXACT_BITS) it decides alone: at those sizes T sums many non-degenerate hypergeometrics
    and the two agree to ~1e-3 near alpha (tests/report/test_power.py). (1) and (2) are exact."""
    mean_diff = sum(cn / nn - cb / nb for (nb, cb), (nn, cn) in cells) / len(cells)
    if not -mean_diff > min_drop:
        return False
    groups = _groups(cells)
    if alpha < 0.5 and len(groups) == 1 and groups[0].observed >= math.ceil(groups[0].mean - _TOL):
        return False
    t = sum(float(g.weight) * (g.mean - g.observed) for g in groups)
    var = sum(float(g.weight) ** 2 * g.var for g in groups)
    if var <= 0:
        return t > _TOL
    w_max = max(float(g.weight) for g in groups)
    if t > 0 and -t * t / (2 * var + 2 * w_max * t / 3) < math.log(alpha):
        return True
    if not _small(groups):
        normal = normal_p_worse(groups)
        large = groups[0].bits > EXACT_BITS if len(groups) == 1 else math.prod(
            g.length for g in groups) > EXACT_LIMIT
        if normal < alpha / 2 or normal > 2 * alpha or large:
            return normal < alpha
    return (groups[0].tails()[0] if len(groups) == 1 else p_values(cells)[0]) < alpha


def _sampled(cells: list[Cell]) -> tuple[float, float]:
    """Monte Carlo p-values (seeded, so reproducible) when the exact support is too large."""
    rng = random.Random(0)
    tables, observed = [], 0.0
    for (nb, cb), (nn, cn) in cells:
        c = cb + cn
        observed += cn / nn - cb / nb
        lo, counts = hypergeometric(nb, nn, c)
        total = sum(counts)
        values, cum, acc = [], [], 0.0
        for i, count in enumerate(counts):
            acc += count / total
            values.append(round((lo + i) / nn - (c - lo - i) / nb, 9))
            cum.append(acc)
        tables.append((values, cum))
    observed = round(observed, 9)
    worse = better = 0
    for _ in range(SAMPLES):
        total = 0.0
        for values, cum in tables:
            total += values[min(bisect.bisect_left(cum, rng.random() * cum[-1]), len(values) - 1)]
        worse += total <= observed + _TOL
        better += total >= observed - _TOL
    return (worse + 1) / (SAMPLES + 1), (better + 1) / (SAMPLES + 1)
