"""The exact test against a rational enumeration; the gate's false-alarm rate and stated power, by simulation.

No trials run here: synthetic reports only (tests/report/sim.py). Simulation counts and the Monte Carlo
bounds are in each test; the numbers they print (-s) are quoted in docs/report-schema.md.
"""
from __future__ import annotations

import json
import math
import random
from fractions import Fraction

import pytest

from pytest_mldevbench import cli
from pytest_mldevbench.report import compare, permutation, power, stats

from .sim import ALPHA, rate_bound, runs


def reference_p_values(cells) -> tuple[Fraction, Fraction]:
    """Exact rational p-values: the convolution of every task's relabelling distribution, by hand."""
    dist, observed = {Fraction(0): Fraction(1)}, Fraction(0)
    for (nb, cb), (nn, cn) in cells:
        c = cb + cn
        observed += Fraction(cn, nn) - Fraction(cb, nb)
        step = {}
        for x in range(nn + 1):
            ways = math.comb(c, x) * math.comb(nb + nn - c, nn - x)
            if ways:
                step[Fraction(x, nn) - Fraction(c - x, nb)] = Fraction(ways, math.comb(nb + nn, nn))
        merged = {}
        for v, p in dist.items():
            for dv, dp in step.items():
                merged[v + dv] = merged.get(v + dv, 0) + p * dp
        dist = merged
    return sum(p for v, p in dist.items() if v <= observed), sum(p for v, p in dist.items() if v >= observed)


def random_cells(rng: random.Random, tasks: int, unequal: bool = True):
    out = []
    for _ in range(tasks):
        nb = rng.choice([1, 2, 3, 4, 6]) if unequal and rng.random() < 0.5 else 3
        nn = rng.choice([1, 2, 3, 5]) if unequal and rng.random() < 0.5 else 3
        out.append(((nb, rng.randint(0, nb)), (nn, rng.randint(0, nn))))
    return out


def test_p_values_equal_a_rational_enumeration():
    rng = random.Random(5)
    for _ in range(300):
        cells = random_cells(rng, rng.randint(1, 8))
        worse, better = reference_p_values(cells)
        assert permutation.p_values(cells) == (pytest.approx(float(worse), abs=1e-12),
                                               pytest.approx(float(better), abs=1e-12)), cells


def test_ties_with_the_observed_value_count():
    # summed in floats rounded at every step (the first implementation), ties were lost: p(better) 0.0257
    cells = [((3, 1), (3, 2)), ((3, 0), (2, 1)), ((3, 1), (3, 2)), ((3, 2), (3, 3)), ((3, 2), (3, 3)),
             ((3, 1), (3, 3)), ((3, 0), (3, 0)), ((3, 3), (3, 2))]
    assert reference_p_values(cells)[1] == Fraction(103, 3200)
    assert permutation.p_values(cells)[1] == pytest.approx(103 / 3200, abs=1e-15)


def test_p_worse_falls_as_a_new_pass_turns_into_a_failure():
    """Why all-fail is the worst case for the sequential gate, and why power is monotone in the drop."""
    rng = random.Random(8)
    for _ in range(400):
        cells = random_cells(rng, rng.randint(1, 10))
        i = rng.randrange(len(cells))
        (nb, cb), (nn, cn) = cells[i]
        if cn == 0:
            continue
        worse = cells[:i] + [((nb, cb), (nn, cn - 1))] + cells[i + 1:]
        assert permutation.p_values(worse)[0] <= permutation.p_values(cells)[0] + 1e-12


def test_at_or_above_the_null_mean_p_is_at_least_a_half():
    """The median shortcut of fires(): with one weight, x >= ceil(E[X]) implies P(X <= x) >= 1/2."""
    rng = random.Random(7)
    checked = 0
    for _ in range(500):
        cells = random_cells(rng, rng.randint(1, 12), unequal=False)
        [group] = permutation._groups(cells)
        if group.observed >= math.ceil(group.mean - 1e-9):
            checked += 1
            assert permutation.p_values(cells)[0] >= 0.5, cells
    assert checked > 200


def test_simulation_shortcuts_give_the_gate_s_verdict():
    """fires() skips most p-values (median, Bernstein, normal screens); on these sizes it must agree exactly."""
    rng = random.Random(9)
    agree = 0
    for _ in range(600):
        cells = random_cells(rng, rng.randint(1, 25), unequal=rng.random() < 0.3)
        mean_diff = sum(cn / nn - cb / nb for (nb, cb), (nn, cn) in cells) / len(cells)
        p = permutation.p_values(cells)[0]
        for alpha in (0.01, 0.05, 0.2):
            assert permutation.fires(cells, alpha) == permutation.rejects(p, mean_diff, alpha), (cells, alpha)
            agree += 1
    assert agree == 1800


def test_normal_approximation_for_large_simulated_designs():
    """Above EXACT_BITS a simulation takes the continuity-corrected normal p; near alpha it is within 0.002."""
    rng = random.Random(10)
    checked = 0
    while checked < 12:
        truth = [rng.uniform(0.1, 0.9) for _ in range(33)]
        cells = [((20, sum(rng.random() < p for _ in range(20))), (20, sum(rng.random() < p - 0.06 for _ in range(20))))
                 for p in truth]
        exact = permutation.p_values(cells)[0]
        if not 0.005 < exact < 0.2:
            continue
        checked += 1
        assert permutation._groups(cells)[0].bits > permutation.EXACT_BITS
        assert permutation.normal_p_worse(permutation._groups(cells)) == pytest.approx(exact, abs=0.002)


DESIGNS = [  # (tasks, base runs, new runs)
    (20, 3, 3), (5, 2, 2), (33, 1, 1), (10, 3, 5),
]


@pytest.mark.parametrize("tasks,nb,nn", DESIGNS)
def test_false_alarm_rate_of_the_gate_is_at_most_alpha(tasks, nb, nn):
    """2000 pairs of runs of the same agent: `compare` calls at most alpha of them worse (+3 SE: 0.0649)."""
    rng = random.Random(tasks * 100 + nb * 10 + nn)
    rates = {f"t{i}": rng.uniform(0.05, 0.95) for i in range(tasks)}
    sims = 2000
    alarms = sum(compare.compare(runs(rates, nb, rng), runs(rates, nn, rng))[0].verdict == "worse"
                 for _ in range(sims))
    print(f"fixed gate, {tasks} tasks x {nb} vs {nn} runs: {alarms}/{sims} false alarms ({alarms / sims:.4f})")
    assert alarms / sims <= rate_bound(sims)


@pytest.mark.parametrize("tasks,nb,nn", [(20, 3, 3), (10, 5, 5), (33, 3, 10)])
def test_power_at_the_minimum_detectable_drop_is_what_it_states(tasks, nb, nn):
    """Given the rates, the simulated power is the gate's: 1000 fresh pairs through `compare` at the MDD
    detect 80 % of the time, within 5 points (the Monte Carlo SE of each side is ~1.3 points)."""
    rng = random.Random(tasks + nb + nn)
    truth = [rng.uniform(0.15, 0.95) for _ in range(tasks)]
    mdd = power.Simulation(truth, [nb] * tasks, [nn] * tasks).min_detectable_drop(ALPHA)
    base_rates = {f"t{i}": p for i, p in enumerate(truth)}
    new_rates = dict(zip(base_rates, power.dropped(truth, mdd)))
    assert sum(new_rates.values()) / tasks == pytest.approx(sum(truth) / tasks - mdd, abs=1e-6)
    sims = 1000
    hits = sum(compare.compare(runs(base_rates, nb, rng), runs(new_rates, nn, rng))[0].verdict == "worse"
               for _ in range(sims))
    print(f"{tasks} tasks x {nb} vs {nn} runs: MDD {100 * mdd:.1f} points, detected {hits}/{sims}")
    assert hits / sims == pytest.approx(power.POWER, abs=0.05)


def test_minimum_detectable_drop_stated_from_a_baseline_holds():
    """End to end: the MDD `compare` states from a sampled baseline (rates estimated, smoothed) against the
    power it really has under the true rates. A mix like real agents': tasks nearly always or never solved,
    and some in between; 20 tasks x 3 runs, 8 baselines; true power by 2000 simulations each."""
    rng = random.Random(3)
    truth = [rng.choice([0.04, 0.5, 0.96]) if i % 2 else rng.uniform(0.1, 0.9) for i in range(20)]
    rates = {f"t{i}": p for i, p in enumerate(truth)}
    true_power = power.Simulation(truth, [3] * 20, [3] * 20, sims=2000, seed=1)
    found = []
    for seed in range(8):
        base = runs(rates, 3, random.Random(100 + seed))
        [c] = compare.compare(base, base)
        found.append(true_power.power(c.min_detectable_drop, ALPHA))
    mean = sum(found) / len(found)
    print("true power at the stated MDD:", [round(p, 3) for p in found], f"mean {mean:.3f}")
    assert mean == pytest.approx(power.POWER, abs=0.05)
    assert all(abs(p - power.POWER) < 0.12 for p in found)


def test_smoothed_rates_keep_a_perfect_task_uncertain():
    rates = power.smoothed_rates([(3, 3)] * 10 + [(3, 0)] * 10 + [(3, 1), (3, 2)] * 5)
    assert 0.8 < rates[0] < 1 and 0 < rates[10] < 0.2 and rates[20] < 0.5 < rates[21] < rates[0]
    assert power.smoothed_rates([(3, 3)])[0] < 1


def _write(tmp_path, name, rep):
    path = tmp_path / name
    path.write_text(json.dumps({"schema": "mldevbench.report/1", **rep}))
    return str(path)


def test_compare_states_the_minimum_detectable_drop(tmp_path, capsys):
    rng = random.Random(4)
    rates = {f"t{i}": rng.uniform(0.2, 0.9) for i in range(20)}
    base = _write(tmp_path, "base.json", runs(rates, 3, rng))
    new = _write(tmp_path, "new.json", runs(rates, 3, rng))
    assert cli.main(["compare", base, new]) == 0
    text = capsys.readouterr().out
    assert "minimum detectable drop: " in text and "points (80% power at α = 0.05)" in text
    assert cli.main(["compare", base, new, "--markdown"]) == 0
    md = capsys.readouterr().out
    row = next(line for line in md.splitlines() if line.startswith("| a |"))
    assert "min. detectable drop (80 % power) |" in md and row.endswith(" points |")
    assert cli.main(["compare", base, new, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    [c] = data["comparisons"]
    assert data["schema"] == compare.SCHEMA and data["gate"] == "pass" and c["power"] == 0.8
    assert 0.1 < c["min_detectable_drop"] < 0.4 and c["tasks_compared"] == 20 and c["simulations"] == 1000
    assert f"{100 * c['min_detectable_drop']:.1f} points" in text  # one number, three outputs
    # one trial per side on one task can never reach p < 0.05: no drop is detectable
    one = _write(tmp_path, "one.json", {"trials": [{"task_id": "t", "agent": "a", "model": None, "run": 1,
                                                   "outcome": "passed"}]})
    assert cli.main(["compare", one, one]) == 0
    assert "minimum detectable drop: none (even losing every pass is missed too often: add runs)" in capsys.readouterr().out


def test_plan_prints_runs_cost_and_time(tmp_path, capsys):
    rng = random.Random(6)
    rates = {f"t{i}": rng.uniform(0.2, 0.9) for i in range(20)}
    base = runs(rates, 3, rng)
    for t in base["trials"]:
        t["usage"], t["timings"] = {"cost_usd": 0.05}, {"total_s": 90.0}
    path = _write(tmp_path, "base.json", {**base, "metadata": {"workers": 4}})
    assert cli.main(["plan", path, "--drop", "0.25"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "new run against this baseline" in x)
    runs_needed = int(line.split(": ")[1].split(" runs")[0])
    tasks = 20
    assert f"{runs_needed} runs per task ({runs_needed * tasks} trials;" in line
    assert f"expected cost ${runs_needed * tasks * 0.05:.2f}" in line and "with -n 4" in line
    assert "both sides re-run: " in out and "smoothed" in out
    # the plan holds: at that many runs the gate catches a 25-point drop >= 80 % of the time (within MC error)
    truth = list(power.smoothed_rates([nc for nc in stats.cells(base["trials"]).values()]))
    base_rates = {f"t{i}": p for i, p in enumerate(truth)}
    new_rates = dict(zip(base_rates, power.dropped(truth, 0.25)))
    sim_rng, sims = random.Random(1), 600
    base_runs = [n for n, _ in stats.cells(base["trials"]).values()]
    hits = sum(compare.compare(runs(base_rates, base_runs[0], sim_rng), runs(new_rates, runs_needed, sim_rng))[0].verdict
               == "worse" for _ in range(sims))
    assert hits / sims >= power.POWER - 0.05


@pytest.mark.parametrize("args,message", [
    (["missing.json", "--drop", "0.1"], "cannot read"),
    (["base.json", "--drop", "0"], "--drop must be a fraction in (0, 1]"),
    (["base.json", "--drop", "1.5"], "--drop must be a fraction in (0, 1]"),
    (["base.json", "--drop", "0.1", "--alpha", "1"], "--alpha must be a fraction in (0, 1)"),
    (["base.json", "--drop", "0.1", "--power", "0"], "--power must be a fraction in (0, 1)"),
    (["malformed.json", "--drop", "0.1"], "is not a usable report"),
    (["notjson.json", "--drop", "0.1"], "is not a usable report"),
])
def test_plan_bad_input_is_one_line_exit_4(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "base.json", runs({"t": 0.5}, 3, random.Random(1)))
    (tmp_path / "malformed.json").write_text(json.dumps({"schema": "mldevbench.report/1", "trials": [{"x": 1}]}))
    (tmp_path / "notjson.json").write_text("{not json")
    assert cli.main(["plan", *args]) == cli.USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("mldevbench plan: ") and message in err


def test_plan_argument_syntax_is_argparse_s(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["plan", "base.json", "--drop", "ten"])
    assert exc.value.code == 2 and "invalid float value: 'ten'" in capsys.readouterr().err
