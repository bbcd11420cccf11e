"""The sandbox of a GPU task reaches its GPU (run on a GPU machine: pytest tests/data/cuda_cases)."""


def test_cuda_probe(trial):
    seen = trial.snapshot / "seen.txt"
    text = seen.read_text() if seen.is_file() else ""
    trial.check("a CUDA computation ran in the sandbox", text.startswith("3 "), text[:200])
