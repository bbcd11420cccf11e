"""The `trial.*` names of validators not yet migrated to the grading vocabulary (issue 20, phase B removes it).

Every member here either lets a process that ran agent code decide a check (`run_pytest(check=...)`, the
exit status of `run_hidden_python`) or reaches past the vocabulary (`services`, `result`). Migrated validators
use `run`, `run_tests` + `note`, `observe`/`judge`, `reference` and the file helpers instead.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import GradingError
from .commands import PytestResult, ScriptResult


class LegacyGrading:
    """Mixin of GradingContext; see the module docstring."""

    def run_script(self, argv: list[str], timeout: float = 120, cwd: Path | None = None,
                   env: dict[str, str] | None = None, report: bool = False, gpu: bool = False,
                   extra_ro: list[Path] = ()) -> ScriptResult:
        return self.run(argv, timeout=timeout, cwd=cwd, env=env, report=report, gpu=gpu, read=list(extra_ro))

    def run_pytest(self, files: list[str], expect_passed: int, timeout: float = 300, check: str | None = None,
                   env: dict[str, str] | None = None) -> PytestResult:
        result = self.run_tests(files, expect_passed, timeout=timeout, env=env)
        if check is not None:
            self.check(check, result.ok, result.summary())
        return result

    def run_hidden_python(self, script: str, *args: str, timeout: float = 120, gpu: bool = False) -> dict:
        source = self.hidden_dir / script
        if not source.is_file():
            raise GradingError(f"hidden/{script} does not exist in task {self.task.id}")
        res = self.run(["python", str(source), *args], timeout=timeout, gpu=gpu, read=[self.hidden_dir])
        if res.timed_out:
            raise GradingError(f"{script} timed out after {timeout:.0f}s")
        data = self.last_json_line(res.stdout)
        if res.returncode != 0 or not isinstance(data, dict):
            raise GradingError(f"{script} failed (exit {res.returncode}): {res.stderr[-800:].strip()}")
        return data

    def reference_python(self, script: str, *args: str, inputs: list[Path], timeout: float = 120,
                         gpu: bool = False) -> dict:
        from ..refcache import cached
        key_parts = [self.task.id, (self.hidden_dir / script).read_bytes(), *args, *inputs]
        return cached(key_parts, lambda: self.run_hidden_python(script, *args, timeout=timeout, gpu=gpu))

    @property
    def result(self):
        return self._trial.result

    @property
    def resources(self):
        return self._trial.resources

    @property
    def services(self):
        return self._trial.services

    def _log(self, text: str) -> None:
        self.log(text)
