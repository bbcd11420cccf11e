"""Records which GPUs the agent saw (used by tests/test_gpus.py)."""


def test_cpu_probe(grading):
    seen = (grading.snapshot / "seen.txt").read_text()
    grading.check("saw: " + seen, True)
