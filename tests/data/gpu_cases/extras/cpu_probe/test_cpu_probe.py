"""Records which GPUs the agent saw (used by tests/test_gpus.py)."""


def test_cpu_probe(trial):
    seen = (trial.snapshot / "seen.txt").read_text()
    trial.check("saw: " + seen, True)
