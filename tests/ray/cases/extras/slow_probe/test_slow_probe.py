"""Passes when the agent wrote done.txt (tests/ray/test_ray_executor.py kills the node while it sleeps)."""


def test_slow_probe(grading):
    done = grading.snapshot / "done.txt"
    grading.check("done.txt written", done.is_file() and done.read_text() == "done")
