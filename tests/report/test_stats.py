"""pass@k, SEM and the --runs aggregates against hand-computed values."""
from __future__ import annotations

import math

import pytest

from pytest_mldevbench.report import stats, table

from .factory import report, trial


@pytest.mark.parametrize("n,c,k,expected", [
    (5, 2, 1, 2 / 5),              # pass@1 is the plain success rate
    (5, 2, 2, 1 - 3 / 10),         # 1 - C(3,2)/C(5,2)
    (5, 2, 3, 1 - 1 / 10),         # 1 - C(3,3)/C(5,3)
    (5, 2, 4, 1.0),                # fewer than k failures: some draw of 4 always contains a pass
    (3, 0, 3, 0.0), (3, 3, 1, 1.0),
    (10, 1, 5, 1 - 126 / 252),     # 1 - C(9,5)/C(10,5)
])
def test_pass_at_k_is_the_unbiased_estimator(n, c, k, expected):
    assert stats.pass_at_k(n, c, k) == pytest.approx(expected)
    assert stats.pass_at_k(n, c, k) == pytest.approx(1 - math.comb(n - c, k) / math.comb(n, k))


def test_pass_at_k_rejects_impossible_counts():
    for n, c, k in ((3, 4, 1), (3, 1, 0), (3, 1, 4)):
        with pytest.raises(ValueError):
            stats.pass_at_k(n, c, k)


def test_mean_and_standard_error():
    mean, sem = stats.mean_sem([1.0, 0.0, 1.0])
    assert mean == pytest.approx(2 / 3)
    assert sem == pytest.approx(math.sqrt(1 / 3) / math.sqrt(3))  # sample sd sqrt(1/3), over sqrt(n)
    assert stats.mean_sem([0.5]) == (0.5, None)
    assert stats.mean_sem([]) == (None, None)


def _runs_report():
    # task a: runs pass, fail, pass; task b: fail, fail, pass; one error (excluded) on a run 4 trial
    outcomes = {"a": [True, False, True], "b": [False, False, True]}
    trials = [trial(t, "react", r + 1, ok, category="debugging" if t == "a" else "implementation",
                    model="m", cost=0.5, tokens=1000)
              for t, runs in outcomes.items() for r, ok in enumerate(runs)]
    return report(trials + [trial("a", "react", 4, None, model="m", cost=0.5)])


def test_repeated_run_aggregates_by_hand():
    agg = _runs_report()["aggregates"]
    cell = agg["by_task_agent_model"]["a"]["react-m"]
    assert cell["pass_at_k"] == {"1": round(2 / 3, 4), "2": 1.0, "3": 1.0}
    assert cell["runs"] == 3 and cell["success_mean"] == round(2 / 3, 4)
    assert cell["success_sem"] == round(math.sqrt(1 / 3) / math.sqrt(3), 4)
    overall = agg["by_agent_model"]["react-m"]
    # per-run rates over both tasks: run1 1/2, run2 0/2, run3 2/2 -> mean 0.5, sd 0.5, SEM 0.5/sqrt(3)
    assert overall["success_mean"] == 0.5 and overall["success_sem"] == round(0.5 / math.sqrt(3), 4)
    # pass@2 averaged over cells: a: 1 - C(1,2)/C(3,2) = 1; b: 1 - C(2,2)/C(3,2) = 2/3
    assert overall["pass_at_k"] == {"1": 0.5, "2": round((1 + 2 / 3) / 2, 4), "3": 1.0}
    # cost and tokens per solved task: errors excluded, 6 graded trials x $0.5 / 3 passes
    assert overall["cost_per_solved_usd"] == 1.0 and overall["tokens_per_solved"] == 2000.0
    assert agg["by_category"]["implementation"]["pass_at_k"]["1"] == round(1 / 3, 4)
    assert agg["overall"]["errors"] == 1 and agg["overall"]["pass_at_k"]["3"] == 1.0


def test_single_run_has_no_standard_error():
    agg = report([trial("a", "oracle", 1, True)])["aggregates"]
    assert agg["by_agent_model"]["oracle"]["success_sem"] is None
    assert agg["by_agent_model"]["oracle"]["pass_at_k"] == {"1": 1.0}


def test_table_shows_sem_pass_at_k_and_cost_per_solved():
    text = table.render(_runs_report())
    assert "3/6 (50%) ±29" in text  # 100 * 0.5 / sqrt(3) = 28.9
    assert any(line.startswith("pass@1") and "50%" in line for line in text.splitlines())
    assert any(line.startswith("pass@3") and "100%" in line for line in text.splitlines())
    assert any(line.startswith("cost/solved USD") and "1.0000" in line for line in text.splitlines())
