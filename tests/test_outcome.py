"""The outcome of a trial: limits from the meter's ledger, and a failure message built from the record."""
from types import SimpleNamespace

from pytest_mldevbench.meter.ledger import Usage
from pytest_mldevbench.results import Check, TrialResult
from pytest_mldevbench.trial import limit_reached


def cfg(**limits):
    return SimpleNamespace(**{"max_steps": None, "max_tokens": None, "max_cost": None, **limits})


def test_a_limit_counts_when_the_ledger_reached_it_whoever_stopped():
    assert limit_reached(Usage(calls=2), cfg(max_steps=2)).startswith("step limit reached: 2 of 2")
    assert limit_reached(Usage(calls=1), cfg(max_steps=2)) is None
    assert limit_reached(Usage(calls=1, prompt_tokens=90, completion_tokens=20), cfg(max_tokens=100)).startswith(
        "token budget reached")
    assert limit_reached(Usage(calls=3, cost_usd=0.5), cfg(max_cost=0.5)).startswith("cost budget reached")
    assert limit_reached(Usage(calls=1, budget_exhausted=True), cfg()) == "a budget refused a call"
    assert limit_reached(None, cfg(max_steps=1)) is None
    # an agent that exits 0 by itself with its last allowed call finished within the step limit; over a token or
    # cost limit it did not, and a refused call is a stop whatever the exit
    assert limit_reached(Usage(calls=2), cfg(max_steps=2), finished=True) is None
    assert limit_reached(Usage(calls=2, prompt_tokens=90, completion_tokens=20), cfg(max_tokens=100),
                         finished=True).startswith("token budget reached")
    assert limit_reached(Usage(calls=2, budget_exhausted=True), cfg(max_steps=2), finished=True).startswith(
        "step limit reached")


def test_the_failure_message_agrees_with_the_record():
    r = TrialResult(trial_id="t", nodeid="n", task_id="t", task_name="t", category="extras", agent="react",
                    model=None, run=1, profile="smoke", sandbox="local", outcome="failed", reason="budget",
                    detail="stopped by the harness: step limit reached: 2 of 2 LLM calls used",
                    checks=[Check("a", True), Check("b", True), Check("c", True)], agent_status="budget")
    text = r.failure_message()
    assert text.startswith("budget: stopped by the harness: step limit reached") and "checks: 3 passed, 0 failed" in text
    assert "no checks recorded" not in text
    r.checks[1] = Check("b", False, "wrong")
    assert "checks: 2 passed, 1 failed" in r.failure_message() and "b: wrong" in r.failure_message()
