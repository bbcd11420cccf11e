"""The sequential gate: α-spending boundaries, its false-alarm rate and power by simulation, its decisions
on partial sessions, and one real pytest session with --mldb-sequential that skips rounds."""
from __future__ import annotations

import random

import pytest

from pytest_mldevbench.report import compare, power, sequential, spending

from .sim import ALPHA, rate_bound, record, runs, sequential_session

ROUNDS = "tests/data/round_cases"


def test_boundaries_match_published_values():
    # Lan–DeMets O'Brien–Fleming-type, 5 equally spaced looks, one-sided 0.025 (Jennison & Turnbull 2000, ch. 7)
    got = spending.boundaries((0.2, 0.4, 0.6, 0.8, 1.0), 0.025)
    assert got == pytest.approx((4.877, 3.357, 2.680, 2.290, 2.031), abs=0.002)
    assert spending.boundaries((1.0,), 0.05) == pytest.approx((1.645,), abs=1e-3)  # one look: the fixed test


def test_boundaries_spend_exactly_alpha_on_the_canonical_process():
    """200 000 Brownian paths at the looks of a 3-run baseline and 4 rounds cross some boundary 5 % of the time."""
    t = sequential.fractions([3] * 20, 4)
    assert t == pytest.approx((21 / 48, 0.7, 0.875, 1.0))  # I_r = 1 / (1/3 + 1/r), over I_4
    c = spending.boundaries(t, ALPHA)
    rng, paths, crossed = random.Random(1), 200_000, 0
    for _ in range(paths):
        w, before = 0.0, 0.0
        for tk, ck in zip(t, c):
            w += rng.gauss(0, (tk - before) ** 0.5)
            before = tk
            if w / tk ** 0.5 >= ck:
                crossed += 1
                break
    assert crossed / paths == pytest.approx(ALPHA, abs=3 * (ALPHA * (1 - ALPHA) / paths) ** 0.5)


@pytest.mark.parametrize("tasks,nb,rounds", [(20, 3, 4), (10, 2, 6), (1, 6, 6), (33, 1, 3)])
def test_false_alarm_rate_of_the_sequential_gate_is_at_most_alpha(tasks, nb, rounds):
    """2000 sequential sessions of the same agent as the baseline: at most alpha end worse (+3 SE: 0.0649)."""
    rng = random.Random(tasks * 7 + nb + rounds)
    rates = {f"t{i}": rng.uniform(0.05, 0.95) for i in range(tasks)}
    sims, alarms, run = 2000, 0, 0
    for _ in range(sims):
        result = sequential_session(runs(rates, nb, rng), rates, rounds, rng)
        alarms += result.verdict == "worse"
        run += result.tracks[0].decided_at
    print(f"sequential gate, {tasks} tasks x {nb} base runs, {rounds} rounds: {alarms}/{sims} false alarms "
          f"({alarms / sims:.4f}); {run / sims:.2f} rounds run on average")
    assert alarms / sims <= rate_bound(sims)


def test_sequential_power_and_savings():
    """At the fixed design's minimum detectable drop the sequential gate keeps nearly all its power (1000
    sessions), and a regression twice that size is caught after fewer rounds."""
    rng = random.Random(2)
    tasks, nb, rounds = 20, 3, 4
    truth = [rng.uniform(0.15, 0.95) for _ in range(tasks)]
    rates = {f"t{i}": p for i, p in enumerate(truth)}
    mdd = power.Simulation(truth, [nb] * tasks, [rounds] * tasks).min_detectable_drop(ALPHA)
    sims = 1000
    for drop in (mdd, min(2 * mdd, 0.5)):
        worse_rates = dict(zip(rates, power.dropped(truth, drop)))
        caught = fixed = run = 0
        for _ in range(sims):
            base = runs(rates, nb, rng)
            result = sequential_session(base, worse_rates, rounds, rng)
            caught += result.verdict == "worse"
            run += result.tracks[0].decided_at
            fixed += compare.compare(base, runs(worse_rates, rounds, rng))[0].verdict == "worse"
        print(f"drop {100 * drop:.1f} points: sequential power {caught / sims:.3f} (fixed {fixed / sims:.3f}), "
              f"{run / sims:.2f} of {rounds} rounds on average")
        if drop == mdd:
            assert caught / sims >= fixed / sims - 0.06 and fixed / sims == pytest.approx(0.8, abs=0.05)
        else:
            assert caught / sims > 0.95 and run / sims < rounds - 0.5


def _progress(outcomes: dict[tuple[str, str, int], bool | None], skipped=()) -> sequential.Progress:
    """outcomes[(task, label, run)]: True passed, False failed, None not done yet."""
    planned, done, records = {}, set(), {}
    for (task, label, run), ok in outcomes.items():
        nodeid = f"{task}[{label}-{run}]"
        planned[nodeid] = sequential.Planned(task, label, run)
        if ok is not None or (task, label, run) in skipped:
            done.add(nodeid)
        if ok is not None:
            records[nodeid] = record(task, run, ok, agent=label)
    return sequential.Progress(planned, done, {f"{t}[{lb}-{r}]" for t, lb, r in skipped}, records)


def test_decisions_on_a_partial_session():
    base = {"trials": [record(t, r, True, agent="a") for t in "xyz" for r in range(1, 7)]}
    # round 1 all failed, round 2 half done: only round 1 is a look, and it cannot decide yet
    outcomes = {(t, "a", r): (False if r == 1 else None) for t in "xyz" for r in range(1, 7)}
    outcomes[("x", "a", 2)] = False
    result = sequential.evaluate(base, _progress(outcomes), 6)
    [track] = result.tracks
    assert [k.round for k in track.looks] == [1] and track.status == "open" and result.verdict == "open"
    assert result.skip_reason("a", 3) is None
    # every trial failing through round 3: 0/9 against 18/18 crosses the level of look 2 or 3
    for t in "xyz":
        for r in (1, 2, 3):
            outcomes[(t, "a", r)] = False
    result = sequential.evaluate(base, _progress(outcomes), 6)
    [track] = result.tracks
    assert track.status == "worse" and result.verdict == "worse" and track.decided_at <= 3
    assert all(k.p_worse >= k.level for k in track.looks[:-1]) and track.looks[-1].p_worse < track.looks[-1].level
    assert "significantly worse" in result.skip_reason("a", track.decided_at + 1)
    assert result.skip_reason("a", track.decided_at) is None
    # the same agent passing everything: once even all-fail from here could not cross, it is settled
    same = {(t, "a", r): True for t in "xyz" for r in range(1, 7)}
    result = sequential.evaluate(base, _progress(same), 6)
    [track] = result.tracks
    assert track.status == "settled" and result.verdict == "pass" and track.decided_at < 6
    assert "can no longer become significantly worse" in result.skip_reason("a", track.decided_at + 1)
    # a round with a skipped trial is no look; an agent-model the baseline lacks is never settled
    result = sequential.evaluate(base, _progress({**same, ("x", "b", 1): True, ("x", "b", 2): None},
                                                  skipped=[("x", "a", 2)]), 6)
    assert [k.round for k in result.tracks[0].looks] == [1] and result.skip_reason("b", 2) is None
    # no agent-model in common: the gate fails
    other = sequential.evaluate({"trials": [record("x", 1, True, agent="p"), record("x", 1, True, agent="q")]},
                                _progress(same), 6)
    assert other.verdict == "worse" and "no agent-model in common" in other.render()


def test_one_round_is_the_fixed_gate():
    rng = random.Random(12)
    rates = {f"t{i}": rng.uniform(0.1, 0.9) for i in range(10)}
    for _ in range(60):
        base, new = runs(rates, 3, rng), runs({t: p - 0.1 for t, p in rates.items()}, 1, rng)
        progress = _progress({(t["task_id"], "a", 1): t["outcome"] == "passed" for t in new["trials"]})
        assert (sequential.evaluate(base, progress, 1).verdict == "worse") == \
               (compare.compare(base, new)[0].verdict == "worse")


def test_sequential_sessions_skip_rounds(bench, tmp_path):
    """Real sessions on three short cases (tests/data/round_cases: the oracle sleeps 0.1-0.6 s, so trials end
    out of order under -n): an oracle baseline of 4 runs, then null and oracle gated round by round. (Without
    --mldb-sequential, test_gate_progress.py's sessions run every trial under the fixed gate.)"""
    base = bench(ROUNDS, "--agent=oracle", "--runs=4", f"--mldb-json={tmp_path / 'base.json'}")
    assert base.returncode == 0, base.output
    gated = ("--runs=4", f"--mldb-baseline={tmp_path / 'base.json'}", "--mldb-sequential")
    # null fails everything: after round 1 p = (1/5)^3 = 0.008 is above the first level (0.002), after round 2
    # (1/15)^3 is below the second: rounds 3 and 4 of all three tasks are not run
    worse = bench(ROUNDS, "--agent=null", *gated, "-n", "2", "-rs")
    gate = worse.report["gate"]["sequential"]
    assert worse.returncode == 1 and gate["verdict"] == "worse", worse.output
    assert gate["pairings"][0]["decided_at_round"] == 2 and (gate["trials_run"], gate["trials_saved"]) == (6, 6)
    assert len(worse.report["trials"]) == 6 and {t["run"] for t in worse.report["trials"]} == {1, 2}
    assert "6 failed, 6 skipped" in worse.output  # skipped trials are not run, and not failures
    assert "6 of 12 not run (saved)" in worse.output and "gate: FAIL" in worse.output
    assert "mldb sequential gate: not needed: oracle -> null is significantly worse after round 2" in worse.output
    assert not (worse.out_dir / ".sequential").exists()
    # the oracle again (one process): settled once even all-fail from here could not cross
    same = bench(ROUNDS, "--agent=oracle", *gated)
    gate = same.report["gate"]["sequential"]
    assert same.returncode == 0 and gate["verdict"] == "pass" and gate["trials_saved"] == 3, same.output
    assert "oracle: cannot become worse after round 3 => PASS" in same.output and "9 passed, 3 skipped" in same.output
    usage = bench(ROUNDS, "--agent=oracle", "--mldb-sequential")
    assert usage.returncode == 4 and "--mldb-sequential needs --mldb-baseline" in usage.output
