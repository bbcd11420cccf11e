"""compare: exact p-values, a real regression is flagged, noise is not; CLI exit status and markdown."""
from __future__ import annotations

import json
import random

import pytest

from pytest_mldevbench import cli
from pytest_mldevbench.report import compare, permutation

from .factory import report, simulated, trial

TASKS = {f"task_{i:02d}": p for i, p in enumerate([0.9, 0.8, 0.8, 0.7, 0.7, 0.6, 0.6, 0.5, 0.5, 0.5,
                                                      0.4, 0.4, 0.3, 0.3, 0.2, 0.9, 0.8, 0.7, 0.6, 0.5])}


def test_exact_p_values_by_hand():
    # one task, 4 runs each: all 4 passes landing in "base" is 1 of C(8,4) = 70 relabellings (Fisher)
    assert compare.p_values([compare.TaskDiff("a", (4, 4), (4, 0))]) == (pytest.approx(1 / 70), pytest.approx(1))
    # five tasks, one run each, all pass -> fail: the sign-flip test, p = 1/2^5
    assert compare.p_values([compare.TaskDiff(str(i), (1, 1), (1, 0)) for i in range(5)])[0] == pytest.approx(1 / 32)
    # a tie: 4 passes among 6 pooled trials, X = passes in "new" ~ Hypergeometric; P(X <= 2) = (4 + 12) / 20
    assert compare.p_values([compare.TaskDiff("a", (3, 2), (3, 2))]) == (pytest.approx(0.8), pytest.approx(0.8))


def test_sampled_p_value_agrees_with_exact(monkeypatch):
    rng = random.Random(3)
    tasks = [compare.TaskDiff(str(i), (n, rng.randint(0, n)), (m, rng.randint(0, m)))
             for i, (n, m) in enumerate((rng.randint(2, 6), rng.randint(2, 6)) for _ in range(8))]
    exact = compare.p_values(tasks)
    monkeypatch.setattr(permutation, "EXACT_LIMIT", 1)
    sampled = compare.p_values(tasks)
    assert sampled[0] == pytest.approx(exact[0], abs=0.015) and sampled[1] == pytest.approx(exact[1], abs=0.015)


def test_real_regression_is_flagged():
    base = simulated(TASKS, runs=3, seed=1)
    worse = simulated({t: max(0.0, p - 0.3) for t, p in TASKS.items()}, runs=3, seed=2)
    [c] = compare.compare(base, worse)
    assert c.verdict == "worse" and c.p_worse < 0.01 and not compare.gate([c])
    assert len(c.tasks) == 20 and c.mean_diff < -0.15
    [back] = compare.compare(worse, base)
    assert back.verdict == "better" and compare.gate([back])


def test_noise_is_not_flagged():
    """Same agent, same task probabilities, different seeds: the gate must rarely fire (alpha = 0.05)."""
    fired = sum(compare.compare(simulated(TASKS, 3, seed), simulated(TASKS, 3, seed + 1000))[0].verdict == "worse"
                for seed in range(60))
    assert fired <= 6, f"{fired}/60 false alarms"


def test_min_drop_and_unmatched_tasks():
    base = report([trial("a", "x", r, True) for r in (1, 2, 3, 4)] + [trial("b", "x", 1, True)])
    new = report([trial("a", "x", r, False) for r in (1, 2, 3, 4)] + [trial("c", "x", 1, True)])
    [c] = compare.compare(base, new)
    assert c.verdict == "worse" and c.only_base == ["b"] and c.only_new == ["c"]
    [lenient] = compare.compare(base, new, min_drop=1.0)
    assert lenient.verdict == "no significant change"


def test_agent_models_pair_by_label_or_single():
    a = report([trial("t", "oracle", 1, True), trial("t", "null", 1, False)])
    b = report([trial("t", "react", 1, True, model="m")])
    assert [(c.base_label, c.new_label) for c in compare.compare(a, a)] == [("null", "null"), ("oracle", "oracle")]
    with pytest.raises(ValueError, match="no agent-model in common"):
        compare.compare(a, b)
    single = report([trial("t", "oracle", 1, True)])
    assert [(c.base_label, c.new_label) for c in compare.compare(single, b)] == [("oracle", "react-m")]


def _write(tmp_path, name, rep):
    path = tmp_path / name
    path.write_text(json.dumps(rep))
    return str(path)


def test_cli_exit_status_and_markdown(tmp_path, capsys):
    base = _write(tmp_path, "base.json", simulated(TASKS, 3, seed=1))
    worse = _write(tmp_path, "worse.json", simulated({t: p - 0.3 for t, p in TASKS.items()}, 3, seed=2))
    same = _write(tmp_path, "same.json", simulated(TASKS, 3, seed=5))
    assert cli.main(["compare", base, worse, "--fail-if-worse", "--markdown"]) == 1
    md = capsys.readouterr().out
    assert md.startswith("### ML-Dev-Bench comparison: ❌") and "| react-m | 20 |" in md and "<details>" in md
    assert cli.main(["compare", base, worse]) == 0  # without --fail-if-worse it only reports
    assert "=> WORSE" in capsys.readouterr().out
    assert cli.main(["compare", base, same, "--fail-if-worse"]) == 0
    assert "gate: PASS" in capsys.readouterr().out
    assert cli.main(["compare", base, str(tmp_path / "missing.json")]) == 1


def test_cli_malformed_report_is_one_line(tmp_path, capsys):
    good = _write(tmp_path, "good.json", simulated(TASKS, 1, seed=1))
    bad = _write(tmp_path, "bad.json", {"schema": "mldevbench.report/1", "trials": [{"task_id": "x"}]})
    assert cli.main(["compare", good, bad]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("mldevbench: a report is malformed: KeyError")
