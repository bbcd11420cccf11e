"""What a graded command returns: its exit, output and (for pytest) JUnit counts — all OBSERVATIONS.

A command that runs the agent's code (a script, the visible tests) reports what that code let it report: its
exit status, stdout, JUnit file and report files are shown to the user and may feed a check's detail, never
decide a verdict (docs/architecture.md, "The verdict").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..junit import read_junit

OUTPUT_LIMIT = 200_000  # characters of stdout/stderr kept per graded command
JUNIT_LIMIT = 50_000_000  # bytes of a JUnit file read
# the grader's own pytest configuration: no ini, conftest or plugin of the workspace takes part
GRADER_INI = "[pytest]\naddopts =\npython_files = test_*.py *_test.py\nconsole_output_style = classic\n"


@dataclass
class ScriptResult:
    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool
    report: dict | list | None = None
    oom: bool = False  # the kernel ended it for going over its memory limit (the sandbox's cgroup)


@dataclass
class PytestResult:
    passed: int
    failed: int
    errors: int
    skipped: int
    expected: int
    output: str
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.passed == self.expected and not (self.failed or self.errors or self.skipped)

    def summary(self) -> str:
        text = (f"{self.passed} passed, {self.failed} failed, {self.errors} errors, {self.skipped} skipped "
                f"(expected exactly {self.expected} passed)")
        return text + ("; " + "; ".join(self.failures[:5]) if self.failures else "")


def pytest_argv(ini: Path, junit: Path, rootdir: Path, files: list[str]) -> list[str]:
    """pytest with the grader's own configuration. -P: the grading folder is not on sys.path before pytest is
    imported (a pytest.py there would run instead); the ini adds it once pytest runs."""
    return ["python", "-P", "-m", "pytest", "-c", str(ini), "--rootdir", str(rootdir), "--noconftest",
            "-p", "no:cacheprovider", "-p", "no:randomly", "-q", "-rA", f"--junitxml={junit}", *files]


def pytest_result(res: ScriptResult, junit: Path, expected: int, timeout: float) -> PytestResult:
    output = res.stdout[-20000:] + res.stderr[-5000:]
    if res.timed_out:
        counts, note = None, [f"timed out after {timeout:.0f}s"]
    elif junit.is_symlink() or not junit.is_file():
        counts, note = None, [f"no JUnit report (exit {res.returncode})"]
    elif junit.stat().st_size > JUNIT_LIMIT:
        counts, note = None, ["the JUnit report is too large"]
    else:
        try:
            counts, note = read_junit(junit), []
        except Exception as exc:  # noqa: BLE001 - a JUnit file the agent's code mangled
            counts, note = None, [f"unreadable JUnit report: {type(exc).__name__}"]
    return PytestResult(
        passed=counts.passed if counts else 0, failed=counts.failed if counts else 0,
        errors=counts.errors if counts else 1, skipped=counts.skipped if counts else 0,
        expected=expected, output=output, failures=note + (counts.failures if counts else []))


def tail(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - OUTPUT_LIMIT))
            data = f.read()
    except OSError:
        return ""
    return data.decode("utf-8", errors="replace")
