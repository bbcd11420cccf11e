"""Validator of the judge_session case (tests/grading/test_observe_judge.py): inputs, observe and judge with one
judge process; a second judge of the same inputs in a fresh one; the inputs and judge steps' timeouts; inputs
never judged (the session is stopped when grading ends)."""
import time

from pytest_mldevbench.errors import GradingError


def _timed_out(step, name: str) -> str:
    """'' when `step` raised "<name> timed out" within 6 s (its timeout is 3 s), else what happened."""
    start = time.monotonic()
    try:
        step()
    except GradingError as exc:
        seconds = time.monotonic() - start
        return "" if str(exc) == f"{name} timed out" and seconds < 6 else f"{exc} after {seconds:.1f} s"
    return "no error"


def test_judge_session(grading):
    inputs = grading.inputs("judge.py")
    observed = grading.observe("probes.py", inputs, probe_timeout=30)
    grading.judge("judge.py", inputs, observed)
    again = [c.ok for c in grading.judge("judge.py", inputs, observed, record=False)]
    grading.check("a second judge of the same inputs runs in a fresh process (its own generator)",
                  again == [False, False, True], str(again))
    grading.inputs("judge.py")  # never observed nor judged
    why = _timed_out(lambda: grading.inputs("slow_inputs.py", timeout=3), "slow_inputs.py (inputs)")
    grading.check("an inputs step past its timeout fails", not why, why)
    slow = grading.inputs("slow_judge.py")
    seen = grading.observe("probes.py", slow, probe_timeout=30)
    why = _timed_out(lambda: grading.judge("slow_judge.py", slow, seen, timeout=3), "slow_judge.py (judge)")
    grading.check("a judge step past its timeout fails", not why, why)
