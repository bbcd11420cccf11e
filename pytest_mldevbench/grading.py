"""The grading API validators use: named soft checks, hidden tests in a fresh process, graded scripts.

Everything the agent wrote runs in the sandbox as a subprocess with a timeout; nothing of it is imported
into the grader's own process.
"""
from __future__ import annotations

import json
import math
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import workspace
from .errors import GradingError, GradingStopped
from .junit import read_junit
from .results import Check
from .sandbox import SandboxSpec

GRADER_INI = "[pytest]\naddopts =\npython_files = test_*.py *_test.py\nconsole_output_style = classic\n"
OUTPUT_LIMIT = 200_000  # characters of stdout/stderr kept per graded command


@dataclass
class ScriptResult:
    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool
    report: dict | list | None = None


@dataclass
class PytestResult:
    passed: int
    failed: int
    errors: int
    skipped: int
    expected: int
    output: str
    failures: list[str]

    @property
    def ok(self) -> bool:
        return self.passed == self.expected and not (self.failed or self.errors or self.skipped)

    def summary(self) -> str:
        text = (f"{self.passed} passed, {self.failed} failed, {self.errors} errors, {self.skipped} skipped "
                f"(expected exactly {self.expected} passed)")
        return text + ("; " + "; ".join(self.failures[:5]) if self.failures else "")


class Grader:
    """Mixin of `Trial`: the methods a task's test function calls after the agent has stopped."""

    # -- checks -----------------------------------------------------------------------------------
    def check(self, name: str, ok, detail: str = "", value: float | None = None) -> bool:
        """Record a named soft check; `value` is the measured number it compares with a threshold (e.g. the
        recomputed accuracy), recorded whether the check passed or not (None when nothing was measured)."""
        ok = bool(ok)
        number = value if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
            else None
        self.checks.append(Check(name=name, ok=ok, detail="" if ok else str(detail)[:2000], value=number))
        return ok

    def threshold(self, name: str) -> float:
        return self.task.threshold(self.profile, name)

    def _stop_if_failed(self, argv: list[str]) -> None:
        if self.cfg.fail_fast and any(not c.ok for c in self.checks):
            command = " ".join(Path(str(a)).name for a in argv[:3])
            raise GradingStopped(f"grading stopped before `{command}`: a check had failed (--mldb-fail-fast)")

    def check_edited(self) -> bool:
        """For tasks with `editable` files (the bug or the stub lives there): the agent changed at least one
        of them. Untouched, they are the task as given, which fails by construction; recorded before the
        validator runs, so --mldb-fail-fast skips the graded runs of an agent that changed nothing."""
        before = workspace.hash_protected(self.task.workspace, self.task.editable)
        after = workspace.hash_protected(self.snapshot, self.task.editable)
        return self.check(f"the agent changed {', '.join(self.task.editable)}", before != after,
                          "every editable file is as given")

    def check_protected(self, name: str = "protected files unchanged") -> bool:
        bad = workspace.verify_protected(self.snapshot, self.protected_hashes)
        return self.check(name, not bad, "changed or missing: " + ", ".join(bad))

    # -- directories ------------------------------------------------------------------------------
    @property
    def grading_dir(self) -> Path:
        """A fresh copy to grade in: the snapshot, or pristine workspace + editable files for locked tasks."""
        if self._grading_dir is None:
            target = self._grade_root / "work"
            if self.task.editable is None:
                workspace.copy_tree(self.snapshot, target)
            else:
                workspace.assemble(self.task.workspace, self.snapshot, target, self.task.editable, self.task.artifacts)
            self._grading_dir = target
        return self._grading_dir

    @property
    def hidden_dir(self) -> Path:
        """Grader-private copy of the case's hidden/ folder (never inside the grading dir)."""
        if self._hidden_dir is None:
            target = self.private / "hidden"
            workspace.copy_tree(self.task.hidden, target)
            self._hidden_dir = target
        return self._hidden_dir

    def add_hidden(self, src: str, dest: str | None = None) -> Path:
        """Copy hidden/<src> (file or folder) into the grading dir at `dest` (default: same name)."""
        source = self.hidden_dir / src
        if not source.exists():
            raise GradingError(f"hidden/{src} does not exist in task {self.task.id}")
        return self._place(source, dest or Path(src).name)

    def add_pristine(self, src: str = ".", dest: str | None = None) -> Path:
        """Copy the task's original workspace/<src> (file or folder; "." is all of it) into the grading dir
        at `dest` (default: same name), e.g. to run the visible tests from their untouched copy."""
        source = self.task.workspace / src
        if not source.exists():
            raise GradingError(f"workspace/{src} does not exist in task {self.task.id}")
        return self._place(source, dest or source.name)

    def _place(self, source: Path, dest: str | Path) -> Path:
        target = self.grading_dir / dest
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.is_dir():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
        return target

    # -- running graded code ----------------------------------------------------------------------
    def _run_dir(self) -> Path:
        """A fresh grader-private folder for one graded command (its report, JUnit file, ini, home)."""
        path = self.private / f"run-{uuid.uuid4().hex[:12]}"
        (path / "home").mkdir(parents=True)
        return path

    def run_script(self, argv: list[str], timeout: float = 120, cwd: Path | None = None,
                   env: dict[str, str] | None = None, report: bool = False, gpu: bool = False,
                   extra_ro: list[Path] | None = None, run_dir: Path | None = None) -> ScriptResult:
        """Run a command in the grading sandbox (task environment first on PATH, stdin closed)."""
        self._stop_if_failed(argv)
        services = self.services
        task_bin = services.task_python().parent
        run_dir = run_dir or self._run_dir()
        out, err = self.private / f"{run_dir.name}.stdout", self.private / f"{run_dir.name}.stderr"
        report_path = run_dir / "report.json" if report else None
        home = run_dir / "home"
        full_env = self.base_env(task_bin)
        full_env.update(self._asset_env)
        full_env.update(HOME=str(home), PYTHONNOUSERSITE="1", PYTHONDONTWRITEBYTECODE="1", XFORMERS_DISABLED="1")
        full_env["CUDA_VISIBLE_DEVICES"] = self.visible_gpus() if (gpu or self.cfg.gpu_all) else ""
        if report_path is not None:
            full_env["MLDB_REPORT"] = str(report_path)
        full_env.update(env or {})
        spec = SandboxSpec(
            argv=list(argv), cwd=cwd or self.grading_dir, env=full_env,
            rw_paths=[self.grading_dir, run_dir],
            ro_paths=services.task_env_paths() + self._asset_ro + list(extra_ro or []),
            hidden_paths=services.hidden_paths(), stdout=out, stderr=err,
            cpus=self.resources.cpus, memory_gb=self.resources.memory_gb,
        )
        run = services.sandbox().run(spec, timeout=timeout)
        result = ScriptResult(run.returncode, _tail(out), _tail(err), run.timed_out)
        if report_path is not None and report_path.is_file():
            try:
                result.report = json.loads(report_path.read_text(encoding="utf-8")[:10_000_000])
            except ValueError:
                result.report = None
        self._log(f"$ {' '.join(argv)}\n-> exit {run.returncode} timed_out={run.timed_out} "
                  f"in {run.wall_s:.1f}s\n--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}\n")
        return result

    def run_pytest(self, files: list[str], expect_passed: int, timeout: float = 300,
                   check: str | None = None, env: dict[str, str] | None = None) -> PytestResult:
        """Run tests in a fresh process with the grader's own configuration; count passes exactly."""
        run_dir = self._run_dir()
        ini, junit = run_dir / "grader.ini", run_dir / "junit.xml"
        # the grading dir on sys.path only once pytest runs (pythonpath), never before it is imported (-P below)
        ini.write_text(GRADER_INI + f"pythonpath = {self.grading_dir}\n")
        # -P: the grading dir is not put on sys.path before pytest is imported (a pytest.py there would run instead)
        argv = ["python", "-P", "-m", "pytest", "-c", str(ini), "--rootdir", str(self.grading_dir), "--noconftest",
                "-p", "no:cacheprovider", "-p", "no:randomly", "-q", "-rA", f"--junitxml={junit}", *files]
        # the grader's own configuration: no plugin of the environment loads unasked
        res = self.run_script(argv, timeout=timeout, env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **(env or {})},
                              run_dir=run_dir)
        output = res.stdout[-20000:] + res.stderr[-5000:]
        if res.timed_out:
            counts, note = None, [f"timed out after {timeout:.0f}s"]
        elif not junit.is_file():
            counts, note = None, [f"no JUnit report (exit {res.returncode})"]
        else:
            counts, note = read_junit(junit), []
        result = PytestResult(
            passed=counts.passed if counts else 0, failed=counts.failed if counts else 0,
            errors=counts.errors if counts else 1, skipped=counts.skipped if counts else 0,
            expected=expect_passed, output=output, failures=note + (counts.failures if counts else []),
        )
        if check is not None:
            self.check(check, result.ok, result.summary())
        return result

    def run_hidden_python(self, script: str, *args: str, timeout: float = 120, gpu: bool = False) -> dict:
        """Run hidden/<script> with the task python (cwd: grading dir); its last stdout line must be a
        JSON object, which is returned."""
        source = self.hidden_dir / script
        if not source.is_file():
            raise GradingError(f"hidden/{script} does not exist in task {self.task.id}")
        res = self.run_script(["python", str(source), *args], timeout=timeout, gpu=gpu, extra_ro=[self.hidden_dir])
        if res.timed_out:
            raise GradingError(f"{script} timed out after {timeout:.0f}s")
        lines = res.stdout.strip().splitlines()
        try:
            data = json.loads(lines[-1]) if lines else None
        except ValueError:
            data = None
        if res.returncode != 0 or not isinstance(data, dict):
            raise GradingError(f"{script} failed (exit {res.returncode}): {res.stderr[-800:].strip()}")
        return data

    def reference_python(self, script: str, *args: str, inputs: list[Path], timeout: float = 120,
                         gpu: bool = False) -> dict:
        """`run_hidden_python` for reference computations that involve nothing of the agent's (e.g. the
        reference evaluation of a served checkpoint): the result is cached on this machine, keyed by the
        script, its arguments and the bytes of `inputs` (files or folders), so it runs once, not per trial."""
        from .refcache import cached
        key_parts = [self.task.id, (self.hidden_dir / script).read_bytes(), *args, *inputs]
        return cached(key_parts, lambda: self.run_hidden_python(script, *args, timeout=timeout, gpu=gpu))

    def add_grader_file(self, name: str, dest: str | None = None, hidden: bool = False) -> Path:
        """Copy a standalone helper from pytest_mldevbench/graders/ into the grading dir (for hidden tests), or,
        with hidden=True, into the grader-private copy of hidden/ (a script shared by several cases, then run
        with `run_hidden_python(dest)` or copied from `hidden_dir` like the case's own hidden files)."""
        source = Path(__file__).parent / "graders" / name
        target = (self.hidden_dir if hidden else self.grading_dir) / (dest or name)
        shutil.copy2(source, target)
        return target

    def check_regions(self, module: str, editable: list[str], name: str | None = None) -> bool:
        """Check that `module` differs from the given skeleton only where the task asks for code.

        Parses the agent's file with `ast` in this process (its code never runs here); the skeleton is the
        case's own workspace copy. `editable` names "function" or "Class.method" the agent writes.
        """
        from .graders.regions import region_problems
        path = self.grading_dir / module
        try:
            if path.is_symlink() or path.stat().st_size > 5_000_000:
                raise OSError("not a regular file of sensible size")
            edited = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems = [f"cannot read {module}: {exc}"]
        else:
            problems = region_problems((self.task.workspace / module).read_text(encoding="utf-8"), edited,
                                       set(editable))
        return self.check(name or f"only the allowed parts of {module} changed", not problems, "; ".join(problems))

    def asset_reference(self, name: str) -> Path:
        """Grader-side copy of exactly the bytes served for asset `name` in this profile (read-only)."""
        return self.services.assets().reference(name)

    def asset_meta(self, name: str) -> dict:
        """Checksums of asset `name`'s served files and the values recorded when it was built."""
        return self.services.assets().meta(name)

    def asset_access_log(self) -> list[dict]:
        """The asset mirror's log of this trial's requests (method, path, status, time)."""
        return self.services.assets().access_log(self.result.trial_id)

    def asset_url(self, name: str) -> str:
        """The URL this trial's sandbox fetches asset `name` from (the prompt's `{url:<name>}`)."""
        return self.services.assets().placeholders(self.result.trial_id)[f"url:{name}"]

    def wandb_run(self, run_dir: Path) -> dict:
        """Config, summary and history of an offline W&B run, read by wandb's own tooling (task env)."""
        from .wandb_reader import read_offline_run
        return read_offline_run(run_dir, python=str(self.services.task_python()))

    def _log(self, text: str) -> None:
        with open(self.out / "grading.log", "a", encoding="utf-8") as log:
            log.write(text + "\n")


def _tail(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[-OUTPUT_LIMIT:].decode("utf-8", errors="replace")
