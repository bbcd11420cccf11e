"""Validator of the judge_session case (tests/grading/test_observe_judge.py): inputs, observe and judge with one
judge process; a second judge of the same inputs in a fresh one; inputs never judged (the session is stopped when
grading ends)."""


def test_judge_session(grading):
    inputs = grading.inputs("judge.py")
    observed = grading.observe("probes.py", inputs, probe_timeout=30)
    grading.judge("judge.py", inputs, observed)
    again = [c.ok for c in grading.judge("judge.py", inputs, observed, record=False)]
    grading.check("a second judge of the same inputs runs in a fresh process (its own generator)",
                  again == [False, False, True], str(again))
    grading.inputs("judge.py")  # never observed nor judged
