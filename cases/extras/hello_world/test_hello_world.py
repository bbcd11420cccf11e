"""Validator for hello_world: hello.py, run in the sandbox, prints exactly the greeting (its output is the work)."""


def test_hello_world(grading):
    if not grading.check("hello.py exists", grading.read_text(grading.snapshot / "hello.py") is not None,
                         "no regular file hello.py"):
        return
    run = grading.run(["python", "hello.py"], timeout=10, writable=False)
    grading.check("python hello.py exits 0", run.returncode == 0,
                  f"exit {run.returncode}, timed out: {run.timed_out}; stderr: {run.stderr[-300:]}")
    grading.check("prints exactly 'Hello, World!'", run.stdout.rstrip() == "Hello, World!", f"stdout: {run.stdout[:200]!r}")
