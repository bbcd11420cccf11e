"""Validator for hello_world: hello.py runs in the snapshot and prints exactly the greeting."""


def test_hello_world(trial):
    script = trial.grading_dir / "hello.py"
    if not trial.check("hello.py exists", script.is_file() and not script.is_symlink(), "no regular file hello.py"):
        return
    run = trial.run_script(["python", "hello.py"], timeout=10)
    trial.check("python hello.py exits 0", run.returncode == 0,
                f"exit {run.returncode}, timed out: {run.timed_out}; stderr: {run.stderr[-300:]}")
    trial.check("prints exactly 'Hello, World!'", run.stdout.rstrip() == "Hello, World!", f"stdout: {run.stdout[:200]!r}")
