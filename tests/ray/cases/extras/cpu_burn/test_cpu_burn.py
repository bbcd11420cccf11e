"""Checks the sum the oracle computed (the expected value in closed form over the period 7)."""
N = 15_000_000


def _expected(n: int) -> int:
    period = [i * i % 7 for i in range(7)]
    return sum(period) * (n // 7) + sum(period[: n % 7])


def test_cpu_burn(grading):
    path = grading.snapshot / "sum.txt"
    got = path.read_text().strip() if path.is_file() else ""
    grading.check("sum.txt is right", got == str(_expected(N)), f"got {got!r}")
