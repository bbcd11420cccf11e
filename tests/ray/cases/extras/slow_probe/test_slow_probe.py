"""Passes when the agent wrote done.txt (tests/ray/test_ray_executor.py kills the node while it sleeps)."""


def test_slow_probe(trial):
    done = trial.snapshot / "done.txt"
    trial.check("done.txt written", done.is_file() and done.read_text() == "done")
