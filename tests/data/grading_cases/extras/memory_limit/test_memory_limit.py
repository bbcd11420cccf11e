"""Validator of the memory-limit case: a run under memory.bound_gb is ended by the kernel above it, not below."""
from pytest_mldevbench.grading import memory

FILL = "import sys; b = b'x' * (int(sys.argv[1]) * 2**20); print(len(b))"


def test_memory_limit(grading):
    limit = memory.bound_gb(grading)
    small = grading.run(["python", "-c", FILL, "20"], memory_gb=limit)
    big = grading.run(["python", "-c", FILL, "600"], memory_gb=limit)
    grading.check(f"20 MiB within {limit * 1024:.0f} MiB runs", small.returncode == 0 and not small.oom,
                  f"exit {small.returncode}, oom {small.oom}")
    grading.check(f"600 MiB within {limit * 1024:.0f} MiB is ended by the kernel", big.oom and big.returncode != 0,
                  f"exit {big.returncode}, oom {big.oom}")
    plain = grading.run(["python", "-c", FILL, "600"])
    grading.check("600 MiB without memory_gb (the task's 2 GiB apply) runs", plain.returncode == 0 and not plain.oom,
                  f"exit {plain.returncode}, oom {plain.oom}")
