"""Validator of the grading budget case: its graded runs need more than grading_timeout_s (4 s)."""


def test_grading_budget(grading):
    grading.check("a check before the slow run", True)
    grading.run(["sleep", "30"], timeout=60)
    grading.check("never reached", True)
