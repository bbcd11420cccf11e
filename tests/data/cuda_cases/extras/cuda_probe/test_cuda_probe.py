"""The sandbox of a GPU task reaches its GPU (run on a GPU machine: pytest tests/data/cuda_cases)."""


def test_cuda_probe(grading):
    seen = grading.snapshot / "seen.txt"
    text = seen.read_text() if seen.is_file() else ""
    grading.check("a CUDA computation ran in the sandbox", text.startswith("3 "), text[:200])
