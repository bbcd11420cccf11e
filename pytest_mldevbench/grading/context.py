"""GradingContext: the one object a validator gets (the `grading` fixture), with the grading vocabulary.

Checks are recorded here; files are read as bounded data; everything that runs code runs in the sandbox as a
subprocess. Two kinds of process, never mixed:
- UNTRUSTED (`run`, `run_tests`, `observe`): it runs the agent's code; what it writes, prints or exits with is
  an observation, never a verdict;
- TRUSTED (`inputs`, `judge`, `reference`): a judge process that runs only hidden reference code, isolated
  (`python -I`, cwd a private folder, nothing of the agent's on sys.path) and reads observations as data.
"""
from __future__ import annotations

import json
import secrets
import shutil
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .. import taskenv, workspace
from ..errors import GradingError, GradingStopped
from ..results import Check
from ..sandbox import SandboxSpec
from . import files, probes
from .budget import GradingBudget
from .commands import GRADER_INI, PytestResult, ScriptResult, pytest_argv, pytest_result, tail
from .judge_session import JudgeSession
from .probes import Inputs, Observations
from .regions import region_problems

if TYPE_CHECKING:
    from ..trial import Trial

SCRIPTS = Path(__file__).parent / "scripts"
JUDGE_FILES = ("judge_runner.py", "mldb_judge.py", "adam_evidence.py")


class GradingContext:
    """What a validator may use to grade one trial (see docs/case-format.md for the table)."""

    # bounded reads and numbers (grading/files.py), here so a validator needs no import
    read_bytes = staticmethod(files.read_bytes)
    read_text = staticmethod(files.read_text)
    read_json = staticmethod(files.read_json)
    last_json_line = staticmethod(files.last_json_line)
    finite = staticmethod(files.finite)
    number = staticmethod(files.number)
    integer = staticmethod(files.integer)

    def __init__(self, trial: "Trial"):
        self._trial = trial
        self.task = trial.task
        self.profile = trial.profile
        self.checks: list[Check] = []
        self.notes: list[dict] = []
        self.stopped: str | None = None     # why --mldb-fail-fast stopped the grading
        self.budget = GradingBudget(trial.resources.grading_timeout_s)
        self._seed = secrets.randbelow(2**31)  # grading-time inputs: known to the judge process only
        self._grading_dir: Path | None = None
        self._hidden_dir: Path | None = None
        self._pristine_copy: Path | None = None
        self._env_paths: list[Path] | None = None
        self._lock = threading.RLock()  # the lazily made folders, when graded runs go side by side in threads
        self._sessions: list[JudgeSession] = []  # judge processes started by `inputs` (judge_session.py)

    # -- facts ------------------------------------------------------------------------------------
    @property
    def trial_id(self) -> str:
        return self._trial.result.trial_id

    @property
    def started_at(self) -> str:
        """When the trial started (ISO 8601, UTC): e.g. to tell files made during the trial from older ones."""
        return self._trial.result.started_at

    @property
    def agent_result(self) -> dict | None:
        """The agent's own agent_result.json (untrusted, informational)."""
        return self._trial.agent_result

    def threshold(self, name: str) -> float:
        return self.task.threshold(self.profile, name)

    # -- checks -----------------------------------------------------------------------------------
    def check(self, name: str, ok, detail: str = "", value: float | None = None) -> bool:
        """Record a named check; `value` is the measured number it compares (kept whether it passed or not)."""
        ok = bool(ok)
        self.checks.append(Check(name=name, ok=ok, detail="" if ok else str(detail)[:2000],
                                 value=files.number(value)))
        return ok

    def check_problems(self, name: str, problems: list[str]) -> bool:
        """One check from a list of problems found: it passes when the list is empty."""
        return self.check(name, not problems, "; ".join(problems))

    def note(self, name: str, text: str) -> None:
        """An observation shown with the result (e.g. the visible tests' outcome) that decides nothing."""
        self.notes.append({"name": name, "text": str(text)[:2000]})
        self.log(f"note: {name}: {text}")

    def check_edited(self) -> bool:
        """At least one `files.editable` file differs from the given one (untouched, the task fails by
        construction); the harness records it before the validator runs."""
        before = workspace.hash_protected(self.task.workspace, self.task.editable)
        after = workspace.hash_protected(self.snapshot, self.task.editable)
        return self.check(f"the agent changed {', '.join(self.task.editable)}", before != after,
                          "every editable file is as given")

    def check_protected(self, name: str = "protected files unchanged") -> bool:
        bad = workspace.verify_protected(self.snapshot, self._trial.protected_hashes)
        return self.check(name, not bad, "changed or missing: " + ", ".join(bad))

    def check_regions(self, module: str, allowed: list[str], name: str | None = None) -> bool:
        """`module` (as the agent left it) differs from the given one only in `allowed` ("func", "Class",
        "Class.method"). Parsed here, never run; a fairness rule, not a security boundary."""
        edited = files.read_text(self.snapshot / module, 5_000_000)
        if edited is None:
            problems = [f"{module} is missing, not a regular file or too large"]
        else:
            problems = region_problems((self.task.workspace / module).read_text(encoding="utf-8"), edited, allowed)
        return self.check_problems(name or f"only the allowed parts of {module} changed", problems)

    # -- files ------------------------------------------------------------------------------------
    @property
    def workspace(self) -> Path:
        """The agent's workspace path (during prepare_workspace: the live copy to add files to; while grading:
        the path the agent's files name, mapped into the snapshot by `path`)."""
        return self._trial.workspace

    @property
    def snapshot(self) -> Path:
        """Copy of the workspace after the agent stopped (never written by any graded run)."""
        return self._trial.snapshot

    @property
    def pristine(self) -> Path:
        """The task's workspace as given (read-only: the case folder)."""
        return self.task.workspace

    @property
    def grading_dir(self) -> Path:
        """A fresh copy to run graded code in: the snapshot, or the pristine workspace plus the editable files
        and artifacts when the task lists `files.editable`. Untrusted runs may write here."""
        with self._lock:
            if self._grading_dir is None:
                target = self._trial._grade_root / "work"
                if self.task.editable is None:
                    workspace.copy_tree(self.snapshot, target)
                else:
                    workspace.assemble(self.task.workspace, self.snapshot, target, self.task.editable,
                                       self.task.artifacts)
                self._grading_dir = target
            return self._grading_dir

    @property
    def hidden_dir(self) -> Path:
        """Grader-private copy of the case's hidden/ folder (never inside the grading dir)."""
        with self._lock:
            if self._hidden_dir is None:
                target = self._trial.private / "hidden"
                workspace.copy_tree(self.task.hidden, target)
                for name in JUDGE_FILES:
                    shutil.copy2(SCRIPTS / name, target / name)
                self._hidden_dir = target
            return self._hidden_dir

    def path(self, raw: Any, root: Path | None = None, base: Path | None = None) -> Path | None:
        """The real path of a path the agent wrote (relative, or absolute under its workspace) inside `root`
        (default: the snapshot), or None when it leaves it (links followed). See files.contained."""
        return files.contained(root or self.snapshot, raw, workspace=self.workspace, base=base)

    def add_hidden(self, src: str, dest: str | None = None) -> Path:
        """Copy hidden/<src> (file or folder) into the grading dir at `dest` (default: same name)."""
        source = self.hidden_dir / src
        if not source.exists():
            raise GradingError(f"hidden/{src} does not exist in task {self.task.id}")
        return self._place(source, dest or Path(src).name)

    def add_pristine(self, src: str = ".", dest: str | None = None) -> Path:
        """Copy the given workspace/<src> ("." is all of it) into the grading dir at `dest` (default: same
        name), e.g. to run the visible tests from their untouched copy."""
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

    def collect(self, *paths: Path, limit: int = 2**30) -> Path:
        """Bounded copies of files the agent (or its code) wrote, in a fresh private folder a judge may read as
        data (`reference(..., read=[folder])`): regular files only (folders walked, links and special files
        skipped), `limit` bytes in all; each keeps its name (a folder's files their path inside it)."""
        dest = self._trial.private / f"collected-{uuid.uuid4().hex[:12]}"
        dest.mkdir()
        total = 0
        for root in map(Path, paths):
            files_ = [(root, Path(root.name))] if not root.is_dir() or root.is_symlink() else \
                [(p, Path(root.name) / p.relative_to(root)) for p in sorted(root.rglob("*"))]
            for src, rel in files_:
                data = files.read_bytes(src, limit - total) if not src.is_dir() else None
                if data is None:
                    continue
                total += len(data)
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                (dest / rel).write_bytes(data)
        return dest

    # -- untrusted runs: the agent's code (observations) -------------------------------------------
    def run(self, argv: list[str], timeout: float = 120, cwd: Path | None = None, env: dict[str, str] | None = None,
            report: bool = False, gpu: bool | None = None, read: list[Path] = (), writable: bool = True,
            run_dir: Path | None = None, memory_gb: float | None = None) -> ScriptResult:
        """Run a command on the agent's code in the sandbox (task python first on PATH, cwd the grading dir,
        stdin closed). Everything it returns is an observation. With `report=True`, `MLDB_REPORT` names a
        private JSON path whose bounded content comes back in `.report`. `read`: extra read-only paths;
        `writable=False` mounts the grading dir read-only. `memory_gb`: a lower memory limit than the task's for
        this run (enforced by the sandbox's cgroup; `.oom` tells when the kernel ended it, see memory.py)."""
        run_dir = run_dir or self._run_dir()
        report_path = run_dir / "report.json"
        extra = {"MLDB_REPORT": str(report_path)} if report else {}
        grading_dir = self.grading_dir
        result = self._sandboxed(list(argv), cwd=cwd or grading_dir, run_dir=run_dir, timeout=timeout,
                                 env={**extra, **(env or {})}, gpu=gpu, untrusted=True, memory_gb=memory_gb,
                                 rw=[grading_dir] if writable else [], ro=([] if writable else [grading_dir]) + list(read))
        if report:
            result.report = files.read_json(report_path, 10_000_000)
        return result

    def run_tests(self, test_files: list[str], expect_passed: int, timeout: float = 300,
                  env: dict[str, str] | None = None) -> PytestResult:
        """Run tests (e.g. the visible tests from their pristine copy) with the grader's own pytest
        configuration in a fresh untrusted process; JUnit counts come back as an observation."""
        run_dir = self._run_dir()
        ini, junit = run_dir / "grader.ini", run_dir / "junit.xml"
        ini.write_text(GRADER_INI + f"pythonpath = {self.grading_dir}\n")
        res = self.run(pytest_argv(ini, junit, self.grading_dir, test_files), timeout=timeout, run_dir=run_dir,
                       env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **(env or {})})
        return pytest_result(res, junit, expect_passed, timeout)

    def observe(self, probes_file: str, inputs: Inputs, probe_timeout: float = 120, timeout: float | None = None,
                gpu: bool | None = None, env: dict[str, str] | None = None) -> Observations:
        """Run hidden/<probes_file> (`run(name, inputs) -> dict`) on the agent's code for every probe of the
        judge's plan, each isolated (a probe that crashes or runs past `probe_timeout` s is noted and the rest
        run in a fresh process; with --mldb-fail-fast the rest are noted "not run" instead); the outputs come
        back as a laundered folder for `judge`."""
        run_dir = self._run_dir()
        code, out = run_dir / "code", run_dir / "out"
        code.mkdir()
        out.mkdir()
        shutil.copy2(SCRIPTS / "probe_runner.py", code / "probe_runner.py")
        source = self.hidden_dir / probes_file
        if not source.is_file():
            raise GradingError(f"hidden/{probes_file} does not exist in task {self.task.id}")
        shutil.copy2(source, code / "probes.py")
        (code / "plan.json").write_text(json.dumps(inputs.plan))
        crashed: dict[str, str] = {}
        budget_end = None if timeout is None else self.budget.left() - timeout
        start = 0
        while start < len(inputs.plan):
            left = None if budget_end is None else self.budget.left() - budget_end
            if left is not None and left <= 0:
                crashed.update({n: "not run: the observation ran out of time" for n in inputs.plan[start:]
                                if probes.output_of(out, n) is None})
                break
            watchdog = probes.Watchdog(out, inputs.plan, probe_timeout)
            res = self._sandboxed(["python", str(code / "probe_runner.py"), str(code / "probes.py"), str(inputs.dir),
                                   str(code / "plan.json"), str(out), str(start)],
                                  cwd=self.grading_dir, run_dir=run_dir, timeout=left, env=env or {}, gpu=gpu,
                                  untrusted=True, rw=[out], ro=[self.grading_dir, code, inputs.dir],
                                  should_stop=watchdog, what=f"probes from {inputs.plan[start]}")
            missing = probes.first_missing(out, inputs.plan, start)
            if missing is None:
                break
            name = inputs.plan[missing]
            if watchdog.fired:
                crashed[name] = f"timed out: no probe finished for {probe_timeout:g} s"
            elif res.timed_out:
                crashed[name] = "timed out: the observation ran out of time"
            else:
                crashed[name] = f"the probe process ended during this probe (exit {res.returncode})"
            start = missing + 1
            if self._trial.cfg.fail_fast:  # that probe fails its check: no fresh process for the rest
                crashed.update({n: f"not run: --mldb-fail-fast stopped the observation after probe {name}"
                                for n in inputs.plan[start:] if probes.output_of(out, n) is None})
                break
        session = inputs.session
        with self._lock:
            fresh = session is None or session.used  # the session's judge reads the first observation only
            if not fresh:
                session.used = True
        dest = self._trial.private / f"observed-{run_dir.name}" if fresh else session.observed
        failed = probes.launder(out, inputs.plan, crashed, dest)
        for name, why in failed.items():
            self.log(f"probe {name}: {why}")
        return Observations(dir=dest, plan=inputs.plan, failed=failed)

    # -- trusted runs: hidden reference code only (verdicts) --------------------------------------
    def inputs(self, judge_file: str, timeout: float | None = 120) -> Inputs:
        """The judge draws the grading-time inputs: `inputs(seed, profile)` of hidden/<judge_file>, with a seed
        only the harness and the judge process know; returns the folder and the probe plan it chose. The process
        stays, waiting to judge these inputs' first observation (judge_session.py: one start per probing trial)."""
        folder = self._trial.private / f"inputs-{uuid.uuid4().hex[:12]}"
        folder.mkdir()
        run_dir = self._run_dir()
        session = JudgeSession(judge_file, run_dir, self._trial.private / f"observed-{run_dir.name}",
                               self._visible_gpus(None))
        with self._lock:
            self._sessions.append(session)
        hidden = self._judge_file(judge_file)
        what = f"{Path(judge_file).name} (inputs)"
        argv = ["session", judge_file, str(self._seed), self.profile, str(folder), str(session.observed),
                str(session.plan_dir), str(session.go_dir)]
        seconds = self.budget.timeout(timeout, what)
        session.start(lambda should_stop: self._judge_run(argv, hidden, run_dir, None, None, should_stop=should_stop,
                                                          rw=[folder, session.plan_dir],
                                                          ro=[session.observed, session.go_dir]))
        out = session.plan(seconds)
        if isinstance(out, ScriptResult):  # it ended before drawing: the inputs step's own failure
            if out.timed_out:
                self.budget.after_timeout(what)
            self._judge_output(out, what)
            raise GradingError(f"{what} ended without a plan")
        self.log(f"grading-time inputs of {judge_file} drawn with seed {self._seed} (known to judges only)")
        return Inputs(dir=folder, plan=probes.check_plan(out.get("probes")), session=session)

    def judge(self, judge_file: str, inputs: Inputs, observed: Observations, timeout: float | None = 300,
              gpu: bool | None = None, record: bool = True) -> list[Check]:
        """`judge(inputs, observed, profile)` of hidden/<judge_file> in a judge process: it compares the
        observations with its own reference on the same inputs and returns named results, recorded as checks
        (in order) unless `record=False`. The process that drew the inputs judges their first observation
        (same file, same GPUs); any other pairing gets a fresh process."""
        session, what = inputs.session, f"{Path(judge_file).name} (judge)"
        if session is not None and not session.judged and session.judge_file == judge_file and \
                session.observed == observed.dir and session.visible_gpus == self._visible_gpus(gpu):
            self._stop_if_failed(["python", "judge_runner.py", "judge"])
            seconds = self.budget.timeout(timeout, what)
            res = session.judge(seconds)
            if res.timed_out:
                self.budget.after_timeout(what)
            out = self._judge_output(res, what)
        else:
            out = self._judge_process(["judge", judge_file, self.profile, str(inputs.dir), str(observed.dir)],
                                      timeout=timeout, ro=[inputs.dir, observed.dir], gpu=gpu)
        results = out.get("checks")
        if not isinstance(results, list) or not results:
            raise GradingError(f"{judge_file} returned no checks")
        checks = [Check(name=str(r["name"]), ok=bool(r["ok"]), detail=str(r.get("detail", ""))[:2000],
                        value=files.number(r.get("value"))) for r in results]
        if record:
            for c in checks:
                self.check(c.name, c.ok, c.detail, c.value)
        return checks

    def close(self) -> None:
        """Grading has ended: stop any judge session still waiting (inputs drawn, never judged)."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    def observe_and_judge(self, probes_file: str, judge_file: str, probe_timeout: float = 120,
                          timeout: float | None = None, gpu: bool | None = None) -> list[Check]:
        """The recipe: the judge draws inputs, the probes observe the agent's code on them, the judge decides."""
        inputs = self.inputs(judge_file)
        observed = self.observe(probes_file, inputs, probe_timeout=probe_timeout, timeout=timeout, gpu=gpu)
        return self.judge(judge_file, inputs, observed, gpu=gpu)

    def reference(self, script: str, *args: str, read: list[Path] = (), cache: bool = False,
                  timeout: float | None = 120, gpu: bool | None = None) -> dict:
        """Run hidden/<script> in a judge process (nothing of the agent's imported; `read`: paths it may read,
        e.g. an asset or an artifact it loads as data); its last stdout line is a JSON object, returned. With
        `cache=True` (for results that involve nothing of the agent's), computed once per machine, keyed by
        the script, its arguments and the bytes of `read`."""
        def compute() -> dict:
            return self._judge_process(["script", script, *args], timeout=timeout, ro=list(read), gpu=gpu)
        if not cache:
            return compute()
        from ..refcache import cached
        return cached([self.task.id, (self.hidden_dir / script).read_bytes(), *args, *map(Path, read)], compute)

    def classify(self, eval_source: Path, *, locked: list[str], num_classes: int, mean: tuple[str, ...],
                 std: tuple[str, ...], input_seed: int | None = None,
                 memory_gb: float | None = None) -> tuple[dict, dict]:
        """The CIFAR-style prediction step (grading/classifier.py): the agent's `utils.get_best_model()` predicts
        hidden images it gets without labels; a judge scores. Returns (observed report, judge's score).
        `memory_gb`: the prediction process's kernel-enforced memory limit (memory.py: `bound_gb`)."""
        from .classifier import classify
        return classify(self, eval_source, locked=locked, num_classes=num_classes, mean=mean, std=std,
                        input_seed=input_seed, memory_gb=memory_gb)

    def _judge_process(self, args: list[str], timeout: float | None, rw: list[Path] = (), ro: list[Path] = (),
                       gpu: bool | None = None) -> dict:
        hidden = self._judge_file(args[1])
        res = self._judge_run(args, hidden, self._run_dir(), timeout, gpu, rw=list(rw), ro=list(ro))
        return self._judge_output(res, f"{Path(args[1]).name} ({args[0]})")

    def _judge_file(self, name: str) -> Path:
        if not (self.hidden_dir / name).is_file():
            raise GradingError(f"hidden/{name} does not exist in task {self.task.id}")
        return self.hidden_dir / name

    def _judge_run(self, args: list[str], path: Path, run_dir: Path, timeout: float | None, gpu: bool | None,
                   rw: list[Path], ro: list[Path], should_stop: Callable[[], bool] | None = None) -> ScriptResult:
        """judge_runner.py <mode> <hidden file> ... as a judge process (python -I, cwd a private folder)."""
        hidden, work = self.hidden_dir, run_dir / "work"
        work.mkdir()
        return self._sandboxed(["python", "-I", str(hidden / "judge_runner.py"), args[0], str(path), *args[2:]],
                               cwd=work, run_dir=run_dir, timeout=timeout, gpu=gpu, untrusted=False,
                               env={"MLDB_PRISTINE": str(self._pristine())}, rw=[work, *rw],
                               ro=[hidden, self._pristine(), *ro], should_stop=should_stop)

    def _judge_output(self, res: ScriptResult, what: str) -> dict:
        data = files.last_json_line(res.stdout)
        if res.timed_out:
            raise GradingError(f"{what} timed out")
        if res.returncode != 0 or not isinstance(data, dict):
            raise GradingError(f"{what} failed (exit {res.returncode}): {res.stderr[-800:].strip()}")
        return data

    def _pristine(self) -> Path:
        """A private copy of the given workspace the judge may read (`MLDB_PRISTINE`): our code, trusted."""
        with self._lock:
            if self._pristine_copy is None:
                workspace.copy_tree(self.task.workspace, self._trial.private / "pristine")
                self._pristine_copy = self._trial.private / "pristine"
            return self._pristine_copy

    # -- the sandbox ------------------------------------------------------------------------------
    def _run_dir(self) -> Path:
        """A fresh grader-private folder for one graded command (its report, JUnit file, home)."""
        path = self._trial.private / f"run-{uuid.uuid4().hex[:12]}"
        (path / "home").mkdir(parents=True)
        return path

    def _stop_if_failed(self, argv: list[str]) -> None:
        if self._trial.cfg.fail_fast and any(not c.ok for c in self.checks):
            command = " ".join(Path(str(a)).name for a in argv[:3])
            self.stopped = f"grading stopped before `{command}`: a check had failed (--mldb-fail-fast)"
            raise GradingStopped(self.stopped)

    def gpu_visible(self, gpu: bool | None = None) -> bool:
        """Whether a grading run started with `gpu` (None: as the task's resources say) sees a GPU."""
        return bool(self._visible_gpus(gpu))

    def _visible_gpus(self, gpu: bool | None) -> str:
        trial = self._trial
        use_gpu = trial.resources.gpus > 0 if gpu is None else gpu
        return trial.visible_gpus() if (use_gpu or trial.cfg.gpu_all) else ""

    def _sandboxed(self, argv: list[str], *, cwd: Path, run_dir: Path, timeout: float | None, env: dict[str, str],
                   gpu: bool | None, untrusted: bool, rw: list[Path], ro: list[Path],
                   should_stop: Callable[[], bool] | None = None, what: str | None = None,
                   memory_gb: float | None = None) -> ScriptResult:
        self._stop_if_failed(argv)
        what = what or " ".join(Path(str(a)).name for a in argv[:3])
        timeout = self.budget.timeout(timeout, what)
        trial, services = self._trial, self._trial.services
        with self._lock:
            if self._env_paths is None:
                self._env_paths = services.task_env_paths()
        full_env = trial.base_env(services.task_python().parent)
        if untrusted:
            full_env.update(trial._asset_env)
        full_env.update(HOME=str(run_dir / "home"), PYTHONNOUSERSITE="1", PYTHONDONTWRITEBYTECODE="1",
                        XFORMERS_DISABLED="1")
        full_env["CUDA_VISIBLE_DEVICES"] = self._visible_gpus(gpu)
        full_env.update(env)
        out, err = run_dir / "stdout", run_dir / "stderr"
        spec = SandboxSpec(
            argv=argv, cwd=cwd, env=full_env, rw_paths=[run_dir, *rw],
            ro_paths=self._env_paths + (trial._asset_ro if untrusted else []) + list(ro),
            hidden_paths=services.hidden_paths(), mounts=taskenv.sandbox_mounts(), stdout=out, stderr=err,
            cpus=trial.resources.cpus, memory_gb=min(trial.resources.memory_gb, memory_gb or float("inf")),
            judge=not untrusted,
        )
        run = services.sandbox().run(spec, timeout=timeout, should_stop=should_stop)
        result = ScriptResult(run.returncode, tail(out), tail(err), run.timed_out or run.stopped, oom=run.oom)
        kind = "untrusted" if untrusted else "judge"
        self.log(f"$ [{kind}] {' '.join(map(str, argv))}\n-> exit {run.returncode} timed_out={run.timed_out} "
                 f"stopped={run.stopped} in {run.wall_s:.1f}s\n--- stdout\n{result.stdout[-4000:]}\n"
                 f"--- stderr\n{result.stderr[-4000:]}\n")
        if run.timed_out:
            self.budget.after_timeout(what)
        return result

    # -- assets, W&B, log -------------------------------------------------------------------------
    def asset_reference(self, name: str) -> Path:
        """Grader-side copy of exactly the bytes served for asset `name` in this profile (read-only)."""
        return self._trial.services.assets().reference(name)

    def asset_meta(self, name: str) -> dict:
        """Checksums of asset `name`'s served files and the values recorded when it was built."""
        return self._trial.services.assets().meta(name)

    def asset_access_log(self) -> list[dict]:
        """The asset mirror's log of this trial's requests (method, path, status, time)."""
        return self._trial.services.assets().access_log(self.trial_id)

    def asset_url(self, name: str) -> str:
        """The URL this trial's sandbox fetches asset `name` from (the prompt's `{url:<name>}`)."""
        return self._trial.services.assets().placeholders(self.trial_id)[f"url:{name}"]

    def serve_directory(self, name: str, folder: Path) -> None:
        """Also serve every file under `folder` at `{assets_url}/<name>/...` (a task bundle made at prepare), to
        this trial's prefix."""
        self._trial.services.assets().serve_directory(name, folder, self.trial_id)

    def wandb_run(self, run_dir: Path) -> dict:
        """Config, summary and history of an offline W&B run, read by wandb's own tooling (task env)."""
        from ..wandb_reader import read_offline_run
        return read_offline_run(run_dir, python=str(self._trial.services.task_python()))

    def log(self, text: str) -> None:
        """Append to the trial's grading.log."""
        with self._lock:  # a judge session logs from its own thread
            self._trial.out.mkdir(parents=True, exist_ok=True)
            with open(self._trial.out / "grading.log", "a", encoding="utf-8") as log:
                log.write(text + "\n")
