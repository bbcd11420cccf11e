"""Trial: one agent with one model on one task — prepare → act → stop → snapshot → (grade) → record."""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from contextlib import contextmanager
from typing import Callable

import pytest

from . import gpus, integrity, taskenv, trajectory, workspace
from .agents import AgentContext, AgentSpec
from .errors import GradingStopped, GradingTimeout, InfrastructureError
from .grading import GradingContext
from .prompt import render
from .results import (AGENT_CRASH, BUDGET, DISK_LIMIT, ERROR, FAILED, GRADING_TIMEOUT, OOM, PASSED, TIMEOUT,
                      WRONG_RESULT, TrialResult, Usage)
from .sandbox import SandboxSpec
from .services import Services
from .tasks import Task
from .watchdog import GradedRunOverran, WatchdogExpired

REASON_OF_STATUS = {"crash": AGENT_CRASH, "timeout": TIMEOUT, "budget": BUDGET, "oom": OOM, "disk_limit": DISK_LIMIT}
LIMIT_STATUSES = ("timeout", "budget", "oom", "disk_limit")


@dataclass(frozen=True)
class TrialParam:
    agent: str
    model: str | None
    run: int

    @property
    def id(self) -> str:
        parts = [self.agent] + ([self.model] if self.model else []) + [str(self.run)]
        return "-".join(parts)


PARAM_FIXTURE = "grading"  # the fixture parametrized with each trial item's TrialParam (plugin.py)


def param_of(item) -> TrialParam | None:
    """The TrialParam of a trial item; None for any other test item."""
    callspec = getattr(item, "callspec", None)
    param = callspec.params.get(PARAM_FIXTURE) if callspec is not None else None
    return param if isinstance(param, TrialParam) else None


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def dir_name(task_id: str, param: TrialParam) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{task_id}__{param.id}")


class Trial:
    """One trial, run by `run()`: prepare → act → stop → snapshot → grade → record. The validator never sees
    this object; it gets the trial's GradingContext (`self.grading`)."""

    def __init__(self, services: Services, task: Task, param: TrialParam, nodeid: str,
                 prepare_step: Callable[[GradingContext], dict | None] | None = None):
        self.services = services
        self._prepare_step = prepare_step
        self.cfg = services.cfg
        self.task = task
        self.param = param
        self.agent: AgentSpec = services.agents[param.agent]
        self.profile = self.cfg.profile
        self.resources = task.resources_for(self.profile)
        name = dir_name(task.id, param)
        self.out = self.cfg.out_dir / name
        self.scratch = self.cfg.scratch / _short_hash(str(self.cfg.out_dir)) / name
        self.workspace = self.scratch / "workspace"
        self.home = self.scratch / "home"
        self.agent_dir = self.out / "agent"
        self._grade_root = self.scratch / "grade"
        self.snapshot = self._grade_root / "snapshot"
        self.private = self._grade_root / "private"
        self.protected_hashes: dict[str, str] = {}
        self.snapshot_skipped: list[tuple[str, str]] = []  # entries the snapshot did not copy as they were
        self.snapshot_refused: str | None = None  # why the snapshot refused the workspace whole
        self.survivors = 0  # processes of the agent still running when its command ended (the sandbox saw)
        self.network_refused: dict[str, int] = {}  # network attempts its sandbox refused, by kind
        self.file_probes: list[str] = []  # paths in hidden places its processes reached for (sandbox/fileaudit.py)
        self.assets_log: dict | None = None  # the mirror's log of this trial (assets.json), once recorded
        self.agent_result: dict | None = None
        self.stop_reason: str | None = None  # which harness limit stopped the agent, in words
        self._model_name: str | None = None
        self._meter_key: str | None = None
        self._asset_env: dict[str, str] = {}
        self._asset_ro: list[Path] = []
        self._t0 = time.monotonic()
        self.recorded = False
        self.phase = ""  # prepare | agent | snapshot | grade, while it runs (read by the watchdog)
        self.result = TrialResult(
            trial_id=f"{task.id}[{param.id}]", nodeid=nodeid, task_id=task.id, task_name=task.name,
            category=task.category, agent=param.agent, model=param.model, run=param.run, profile=self.profile,
            sandbox=self.cfg.sandbox, artifacts_dir=str(self.out), scratch_dir=str(self.scratch), started_at=now(),
            paper_comparable=task.paper_comparable,
        )
        self.grading = GradingContext(self)

    # -- the flow ----------------------------------------------------------------------------------
    def run(self, validator: Callable[[GradingContext], None]) -> TrialResult:
        """The whole trial. A harness failure before grading is an infrastructure error; `record` decides."""
        try:
            with self._timed("prepare_s"):
                self.prepare()
            with self._timed("agent_s"):
                self.act()  # returns once the agent's sandbox is gone: nothing it started runs any more
            with self._timed("snapshot_s"):
                self.take_snapshot()
        except Exception as exc:  # noqa: BLE001 - any harness failure here is infrastructure
            return self.record(error=str(infrastructure(exc)))
        except WatchdogExpired as exc:  # the harness hung (watchdog.py); its sandbox has been ended on the way out
            return self.record(error=exc.msg)
        try:
            with self._timed("grade_s"):
                failure = self.grade(validator)
        except InfrastructureError as exc:  # the harness broke while grading (not the agent's doing)
            return self.record(error=str(exc))
        except WatchdogExpired as exc:
            return self.record(error=exc.msg)
        return self.record(failure=failure)

    @contextmanager
    def _timed(self, key: str):
        start = time.monotonic()
        self.phase = key.removesuffix("_s")  # what the watchdog names when the trial hangs
        try:
            yield
        finally:
            self.result.timings[key] = round(time.monotonic() - start, 3)

    def grade(self, validator: Callable[[GradingContext], None]) -> tuple[str, str] | None:
        """Run the validator on the grading context within the grading budget; returns (reason, why) when
        grading itself ended the trial, None when the checks decide."""
        grading = self.grading
        grading.budget.start()
        try:
            if self.task.editable is not None:
                grading.check_edited()
            validator(grading)
        except GradingStopped:
            return None  # --mldb-fail-fast: a check already failed; grading.stopped says where it stopped
        except GradingTimeout as exc:
            return GRADING_TIMEOUT, exc.msg
        except GradedRunOverran as exc:  # the watchdog found grading waiting on the agent's code: a failure
            return GRADING_TIMEOUT, exc.msg
        except WatchdogExpired:
            raise  # the harness itself hung: run() records an error
        except InfrastructureError:
            raise  # an error, not a failure: run() records it
        except (Exception, pytest.fail.Exception) as exc:  # noqa: BLE001 - the validator's own failure
            text = exc.msg if isinstance(exc, pytest.fail.Exception) else f"{type(exc).__name__}: {exc}"
            return WRONG_RESULT, f"grading raised {text}"[:2000]
        finally:
            grading.close()
        return None

    def prepare(self) -> None:
        # fresh output and scratch folders; what the agent can write lives on this trial's disk (quota)
        self.disk = self.services.disks().attach(self.out, self.scratch, self._grade_root, self.agent_dir)
        self.result.sandbox_limits = self.services.sandbox_limits()
        self.home.mkdir(parents=True)
        workspace.copy_tree(self.task.workspace, self.workspace)
        self.protected_hashes = workspace.hash_protected(self.workspace, self.task.protected)
        self.services.ready(self.agent)
        self.result.versions = dict(self.services.versions())
        values = {"workspace": str(self.workspace), "profile": self.profile}
        values.update({f"threshold:{k}": _fmt(v) for k, v in self.task.thresholds.get(self.profile, {}).items()})
        if self.task.assets or self.task.grader_assets or _uses_assets(self.task.prompt_template):
            from .assets.service import task_assets
            assets = self.services.assets(self.task)
            assets.admit(self.result.trial_id, task_assets(self.task))  # its prefix reaches these, nothing else
            values.update(assets.placeholders(self.result.trial_id))
            self._asset_env = assets.sandbox_env(self.result.trial_id, self.home)
            self._asset_ro = list(assets.sandbox_ro_paths(self.result.trial_id))
        self.prompt = render(self.task.prompt_template, values, str(self.task.root / "prompt.md"))
        (self.out / "prompt.md").write_text(self.prompt, encoding="utf-8")
        if self._prepare_step is not None:
            self._run_prepare_step()

    def _run_prepare_step(self) -> None:
        """The validator's `prepare_workspace(trial)`: it may add files to the workspace (hashed again after it,
        so they can be protected) and returns environment variables for the agent's and grader's sandboxes."""
        extra = self._prepare_step(self.grading) or {}
        if not isinstance(extra, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in extra.items()):
            raise TypeError(f"prepare_workspace of {self.task.id} must return a dict of str to str, got {extra!r}")
        self._asset_env.update(extra)
        self.protected_hashes = workspace.hash_protected(self.workspace, self.task.protected)

    def _trial_json(self, ctx: AgentContext) -> dict:
        llm = None
        if self.agent.uses_model:
            meter = self.services.meter()
            prices = self.agent_dir / "llm_prices.json"  # the session's price of the model, for agents' own tracking
            llm = {"openai_base_url": meter.openai_base_url, "anthropic_base_url": meter.anthropic_base_url,
                   "api_key": self._meter_key, "prices_file": str(prices) if prices.exists() else None}
        return {
            "schema": 1, "task_id": self.task.id, "trial_id": self.result.trial_id, "prompt": self.prompt,
            "prompt_file": str(self.agent_dir / "prompt.md"), "workspace": str(self.workspace),
            "model": self._model_name, "llm": llm,
            "limits": {"max_steps": self.cfg.max_steps, "wall_time_s": self.agent_timeout(),
                       "max_cost_usd": self.cfg.max_cost, "max_tokens": self.cfg.max_tokens},
            "result_file": str(self.agent_dir / "agent_result.json"), "artifacts_dir": str(ctx.artifacts_dir),
            "solution_dir": str(ctx.solution_dir) if ctx.solution_dir else None,
        }

    def visible_gpus(self) -> str:
        """CUDA_VISIBLE_DEVICES for this trial: its own GPU(s) on this worker, none for CPU-only tasks."""
        needed = max(self.resources.gpus, 1) if self.cfg.gpu_all else self.resources.gpus
        return gpus.assign(self.cfg.gpus, needed)

    def agent_timeout(self) -> float:
        return float(self.cfg.agent_timeout or self.resources.agent_timeout_s)

    def act(self) -> None:
        services, agent = self.services, self.agent
        sandbox = services.sandbox()
        solution = None
        if agent.needs_solution:
            solution = self.scratch / "solution"
            workspace.copy_tree(self.task.solution, solution)
        ctx = AgentContext(
            trial_json=self.agent_dir / "trial.json", workspace=self.workspace, task_python=services.task_python(),
            harness_python=Path(sys.executable), artifacts_dir=self.agent_dir / "artifacts",
            solution_dir=solution, repo_root=_repo_root(), agent_cmd=self.cfg.agent_cmd,
        )
        ctx.artifacts_dir.mkdir()
        env = self.base_env(services.task_python().parent)
        env.update(self._asset_env)
        if agent.uses_model:
            from .meter import resolve_model, write_agent_prices
            meter = services.meter()
            self._model_name = resolve_model(self.param.model)
            self._meter_key = meter.open_trial(
                self.result.trial_id, model=self._model_name, ledger=self.out / "llm_ledger.jsonl",
                max_cost_usd=self.cfg.max_cost, max_tokens=self.cfg.max_tokens, max_steps=self.cfg.max_steps)
            env.update(OPENAI_BASE_URL=meter.openai_base_url, OPENAI_API_BASE=meter.openai_base_url,
                       OPENAI_API_KEY=self._meter_key, ANTHROPIC_BASE_URL=meter.anthropic_base_url,
                       ANTHROPIC_API_KEY=self._meter_key, MLDB_MODEL=self._model_name)
            env.update(write_agent_prices(self._model_name, self.agent_dir / "llm_prices.json"))
        (self.agent_dir / "prompt.md").write_text(self.prompt, encoding="utf-8")
        ctx.trial_json.write_text(json.dumps(self._trial_json(ctx), indent=2))
        env.update(MLDB_TRIAL_JSON=str(ctx.trial_json), MLDB_WORKSPACE=str(self.workspace))
        if solution is not None:
            env["MLDB_SOLUTION_DIR"] = str(solution)
        env.update(agent.env(ctx))
        env["CUDA_VISIBLE_DEVICES"] = self.visible_gpus()
        spec = SandboxSpec(
            argv=agent.command(ctx), cwd=self.workspace, env=env,
            rw_paths=[self.workspace, self.home, self.agent_dir],
            ro_paths=services.task_env_paths() + services.harness_paths() + self._asset_ro
            + list(agent.ro_paths(ctx)) + ([solution] if solution else []),
            hidden_paths=services.hidden_paths(), mounts=taskenv.sandbox_mounts(), stdout=self.out / "agent.log",
            cpus=self.resources.cpus, memory_gb=self.resources.memory_gb,
            audit=[self.scratch, self.out],  # its own folders: looking into them is no probe
        )
        try:
            run = sandbox.run(spec, timeout=self.agent_timeout(), should_stop=self._budget_exhausted)
        finally:
            usage = self._close_meter()
        self.result.agent_exit_code = run.returncode
        self.result.output_dropped = run.output_dropped
        self.survivors, self.network_refused, self.file_probes = run.survivors, run.network_refused, run.probes
        finished = run.returncode == 0 and not run.stopped
        self.stop_reason = (f"wall time limit ({self.agent_timeout():g} s)" if run.timed_out
                            else limit_reached(usage, self.cfg, finished))
        if run.timed_out:
            status = "timeout"
        elif run.stopped or self.stop_reason:
            status = "budget"
        elif self.disk.exhausted():
            status = "disk_limit"
        elif run.oom:
            status = "oom"
        elif run.returncode != 0:
            status = "crash"
        else:
            status = "ok"
        self.result.agent_status = status
        self.agent_result = _read_json(self.agent_dir / "agent_result.json")
        self.result.agent_reported = self.agent_result

    def _budget_exhausted(self) -> bool:
        return self._meter_key is not None and self.services.meter().usage(self._meter_key).budget_exhausted

    def _close_meter(self):
        if self._meter_key is None:
            return None
        usage = self.services.meter().close_trial(self._meter_key)
        try:  # a record for people to read: a harness bug here must not change the trial's outcome
            trajectory.write(self.out, trial_id=self.result.trial_id, task_id=self.task.id, agent=self.param.agent,
                             model=self._model_name, agent_version=self.agent.version)
        except (OSError, ValueError) as exc:
            self.grading.note("trajectory", f"not written: {str(exc)[:300]}")
        self.result.usage = Usage(calls=usage.calls, prompt_tokens=usage.prompt_tokens,
                                  completion_tokens=usage.completion_tokens, cached_tokens=usage.cached_tokens,
                                  cost_usd=usage.cost_usd if usage.cost_known else None,
                                  estimated_calls=usage.estimated_calls)
        self.result.steps = usage.calls
        return usage

    def base_env(self, task_bin: Path) -> dict[str, str]:
        threads = str(thread_count(self.resources.cpus))
        return {
            "PATH": f"{task_bin}:/usr/local/bin:/usr/bin:/bin", "HOME": str(self.home), "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8", "TMPDIR": "/tmp", "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads,
            "WANDB_MODE": "offline", "HF_HUB_DISABLE_TELEMETRY": "1", "MLDB_PROFILE": self.profile,
            "PYTHONUNBUFFERED": "1", **taskenv.sandbox_env(),
        }

    def take_snapshot(self) -> None:
        """The agent has stopped (its sandbox is gone): copy the workspace for grading."""
        self._grade_root.mkdir(parents=True, exist_ok=True)
        self.private.mkdir(exist_ok=True)
        try:
            refused = workspace.snapshot(self.workspace, self.snapshot, self.snapshot_skipped)
        except workspace.SnapshotError as exc:  # the harness's disk failed it: nothing about the agent
            raise InfrastructureError(str(exc)) from None
        self.snapshot_refused = refused
        if refused:  # over the size/entries/depth limits: nothing of it is graded, and the trial fails
            self.grading.check("workspace within the harness's limits", False, refused)

    # -- record -----------------------------------------------------------------------------------
    def record(self, error: str | None = None, failure: tuple[str, str] | None = None) -> TrialResult:
        """The one place that decides the trial's outcome; writes result.json. `error`: the harness broke
        (outcome error); `failure`: grading itself ended the trial (reason, why)."""
        r, grading = self.result, self.grading
        r.checks, r.notes = list(grading.checks), list(grading.notes)
        if error is not None:
            r.outcome, r.success, r.reason, r.detail = ERROR, False, "infrastructure", error
        else:
            total, ok = len(r.checks), sum(c.ok for c in r.checks)
            r.score = ok / total if total else 0.0
            # A trial that ran into a harness limit (wall time, budget) did not solve the task within its
            # limits, whatever its snapshot holds; the checks and score still show how far it got.
            limited = r.agent_status in LIMIT_STATUSES
            r.success = failure is None and not limited and total > 0 and ok == total
            r.outcome = PASSED if r.success else FAILED
            if not r.success:
                first_failed = next((f"{c.name}: {c.detail}" for c in r.checks if not c.ok), None)
                if limited:
                    r.reason, r.detail = REASON_OF_STATUS[r.agent_status], \
                        f"stopped by the harness: {self.stop_reason or r.agent_status + ' limit reached'}"
                elif failure is not None and failure[0] == GRADING_TIMEOUT:
                    r.reason, r.detail = GRADING_TIMEOUT, failure[1]
                else:
                    r.reason = REASON_OF_STATUS.get(r.agent_status or "", WRONG_RESULT)
                    r.detail = (failure[1] if failure else None) or first_failed or "no checks recorded"
                if grading.stopped:
                    r.detail += f" ({grading.stopped})"
        r.assets = self._record_assets()
        r.flags = integrity.flags_of(self)  # evidence beside the outcome, never deciding it
        r.timings["total_s"] = round(time.monotonic() - self._t0, 3)
        r.finished_at = now()
        try:
            disk = getattr(self, "disk", None)
            if disk is not None:  # unbind the trial's disk: its artifacts come to the output folder
                disk.detach(keep=self.cfg.keep)
            self.out.mkdir(parents=True, exist_ok=True)
            r.write(self.out / "result.json")
        except OSError as exc:  # e.g. a full disk: say so, keep the run going
            r.outcome, r.success, r.reason, r.detail = ERROR, False, "infrastructure", \
                f"could not record the result: {exc}"
        self.recorded = True
        if not self.cfg.keep:
            workspace.remove_tree(self.scratch)
        return r

    def input_folders(self) -> list[Path]:
        """Read-only inputs the agent was shown besides its workspace (its TORCH_HOME): the public name for the
        integrity flags (integrity.py), a copy so that they cannot change the sandbox's mounts (`_asset_ro`)."""
        return list(self._asset_ro)

    def _record_assets(self) -> dict:
        """assets.json (every request of this trial's mirror prefix: fetched and refused) and its summary for
        result.json; the mirror's log is the record (a separate service, not the agent's word)."""
        mirror = self.services.running_assets() if self._asset_env else None
        log = (mirror.trial_assets(self.result.trial_id) if mirror is not None
               else {"fetched": [], "refused": [], "not_found": [], "dropped": 0})
        self.assets_log = log
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            (self.out / "assets.json").write_text(json.dumps(log, indent=1))
        except OSError:
            pass  # result.json's own write reports a broken output folder
        refused = list(dict.fromkeys(e["path"] for e in log["refused"]))
        return {"fetched": sorted({e["asset"] for e in log["fetched"] if e["asset"]}),
                "not_found": sorted({e["asset"] for e in log["not_found"] if e["asset"]}),
                "refused": refused[:20], "refused_requests": len(log["refused"]) + log["dropped"]}


def limit_reached(usage, cfg, finished: bool = False) -> str | None:
    """Which budget the meter's ledger shows reached (steps, tokens, cost), in words; None when none was. The
    ledger decides, not the agent's word: an agent that stops itself at --max-steps has reached the cap. One that
    `finished` (exit 0, not stopped) with its last allowed call did its work within the step limit."""
    if usage is None:
        return None
    from .meter.budget import Limits, Totals, refusal
    steps = None if finished and not usage.budget_exhausted else cfg.max_steps
    limits = Limits(max_cost_usd=cfg.max_cost, max_tokens=cfg.max_tokens, max_steps=steps)
    refused = refusal(limits, Totals(calls_started=usage.calls, tokens=usage.total_tokens, cost_usd=usage.cost_usd))
    if refused is None and usage.budget_exhausted:
        return "a budget refused a call"
    return refused[1] if refused else None


def thread_count(task_cpus: float) -> int:
    """Math-library threads for a trial: its task's CPUs, but no more than this worker's share of the machine
    (xdist workers each run a trial; oversubscribed OpenMP threads spin and slow everything down)."""
    workers = max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1))
    return max(1, min(int(task_cpus), (os.cpu_count() or 1) // workers))


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _uses_assets(template: str) -> bool:
    return any(k in template for k in ("{assets_url}", "{hf_endpoint}", "{torch_home}", "{url:"))


def _read_json(path: Path) -> dict | None:
    raw = workspace.read_limited(path, 1_000_000)  # the agent may make it a link to /dev/zero or a host file
    try:
        data = json.loads(raw.decode("utf-8")) if raw is not None else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _repo_root() -> Path:
    return taskenv.REPO_ROOT


def infrastructure(exc: BaseException) -> InfrastructureError:
    return exc if isinstance(exc, InfrastructureError) else InfrastructureError(f"{type(exc).__name__}: {exc}")
