"""The pytest plugin: options, parametrisation of the `grading` fixture, recording and reporting hooks.

Thin on purpose: the trial flow lives in trial.py (`Trial.run`, `Trial.record`), grading in grading/, reports in
report/. The hooks only adapt pytest's phases to those two calls.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from . import executors, hooks, options, rounds, runconfig, schedule, watchdog
from .agents import registry
from .errors import InfrastructureError, MldbError, TaskError
from .report import config_warnings, json_report, table
from .results import ERROR, FAILED, PASSED, RESULT_PROPERTY, TrialResult
from .services import Services, git_sha
from .tasks import CATEGORIES, load_task
from .trial import PARAM_FIXTURE, Trial, TrialParam, dir_name, param_of

CFG = pytest.StashKey[options.RunConfig]()
SERVICES = pytest.StashKey[Services]()
RESULTS = pytest.StashKey[dict]()
TRIAL = pytest.StashKey[Trial]()
REPLAYED = pytest.StashKey[TrialResult]()
COLLECTOR = pytest.StashKey["Collector"]()
EXECUTOR = pytest.StashKey["executors.LocalExecutor"]()
REMOTE = pytest.StashKey[bool]()
RECORDED = pytest.StashKey[bool]()  # the trial's record is in the item's user_properties


class TrialFailed(pytest.fail.Exception):
    """The trial's checks did not all pass (the agent did not solve the task); shown without traceback."""

    def __init__(self, msg: str):
        super().__init__(msg, pytrace=False)


def pytest_addhooks(pluginmanager):
    pluginmanager.add_hookspecs(hooks)


def pytest_addoption(parser):
    options.add_options(parser)


@pytest.hookimpl(tryfirst=True, specname="pytest_configure")
def pytest_configure_hold_warnings(config):
    config_warnings.hold(config)  # under xdist: other plugins' configure-time warnings go to the summary, once


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    runconfig.apply(early_config, parser, args)  # --mldb-config: the file's options before the command line's


def pytest_configure(config):
    for cat in CATEGORIES:
        config.addinivalue_line("markers", f"{cat}: ML-Dev-Bench tasks of category {cat}")
    config.addinivalue_line("markers", "gpu: tasks that need a GPU in the active profile")
    config.addinivalue_line("markers", "mldb_task(id): an ML-Dev-Bench task")
    try:
        agents = registry.discover(config)
    except (ValueError, TypeError, ImportError) as exc:
        raise pytest.UsageError(f"cannot load agents: {exc}") from None
    cfg = options.parse(config, agents)
    if cfg.llm_config is not None:
        cfg.llm_config.register()  # --llm-config: aliases, endpoints and prices for this process's meter
    if any(agents[a].uses_model for a in cfg.agents) and not _is_worker(config):
        _check_models(cfg)
        _check_prices(cfg)
    config.stash[CFG] = cfg
    config.stash[SERVICES] = Services(cfg, agents)
    config.stash[RESULTS] = {}
    collector = Collector()
    config.stash[COLLECTOR] = collector
    config.pluginmanager.register(collector, "mldevbench-collector")
    config.pluginmanager.register(schedule.Ordering(config, cfg.profile, cfg.out_dir, gpu=bool(cfg.gpus)),
                                  "mldevbench-schedule")
    if not _is_worker(config) and cfg.executor == "local":
        _prepare_assets_ahead(config, config.stash[SERVICES])
    config.stash[EXECUTOR] = executors.create(cfg, config.rootpath, executors.plugin_args(config.invocation_params.args)
                                              + watchdog.nested_args(config), finished=lambda path: _finished(path, cfg))
    _watchdog_configure(config, cfg)
    if not _is_worker(config):
        _reports_configure(config, cfg)
    ledger = rounds.configure(config, cfg.out_dir, cfg.runs, _is_worker(config), cfg.executor)
    if ledger is not None:
        config.stash[SEQUENTIAL] = ledger


def _watchdog_configure(config, cfg: options.RunConfig) -> None:
    """Every trial item gets a timeout from its task's limits (watchdog.py); off with -p no:timeout."""
    if watchdog.enabled(config):
        config.pluginmanager.register(watchdog.Watchdog(cfg, services=lambda: config.stash[SERVICES],
                                                        trial_of=lambda item: item.stash.get(TRIAL, None)),
                                      "mldevbench-watchdog")


def _prepare_assets_ahead(config, services: Services) -> None:
    """Controller: build or fetch the collected trials' assets in parallel before the first trial starts."""
    from .assets.prepare import AssetPreparation
    from .taskenv import cache_root
    preparation = AssetPreparation(config, services.cfg.profile, cache_root() / "assets",
                                   task_python=lambda: str(services.task_python()))
    config.pluginmanager.register(preparation, "mldevbench-assets")


def _check_models(cfg: options.RunConfig) -> None:
    try:
        from .meter import ModelConfigError, check_api_key, resolve_model
    except ImportError as exc:
        raise pytest.UsageError(f"the meter is not available: {exc}") from None
    for model in cfg.models:
        try:
            check_api_key(resolve_model(model), api_base=cfg.llm_api_base)
        except ModelConfigError as exc:
            raise pytest.UsageError(str(exc)) from None


def _check_prices(cfg: options.RunConfig) -> None:
    """The --llm-prices file loads, and --max-cost has a price for every model: usage errors before any trial
    (an unpriced model's cost is unknown, so a cost budget could not be enforced)."""
    from .meter import load_prices, unpriced
    try:
        if cfg.llm_prices:
            load_prices(cfg.llm_prices)
    except ValueError as exc:
        raise pytest.UsageError(f"--llm-prices: {exc}") from None
    missing = unpriced(cfg.models) if cfg.max_cost is not None else []
    if missing:
        raise pytest.UsageError(f"model {missing[0]} has no price, so --max-cost cannot be enforced: "
                                "pass --llm-prices PRICES.json (see README: a self-hosted model)")


def _is_worker(config) -> bool:
    return hasattr(config, "workerinput")


def pytest_generate_tests(metafunc):
    if "grading" not in metafunc.fixturenames:
        return
    path = Path(metafunc.definition.path)
    try:
        task = load_task(path.parent)
    except TaskError as exc:
        raise pytest.Collector.CollectError(str(exc)) from None
    cfg = metafunc.config.stash[CFG]
    agents = metafunc.config.stash[SERVICES].agents
    marks = [getattr(pytest.mark, task.category), pytest.mark.mldb_task(task.id)]
    if task.resources_for(cfg.profile).gpus > 0:
        marks.append(pytest.mark.gpu)
    params = []
    for agent in cfg.agents:
        models = cfg.models if agents[agent].uses_model else [None]
        for model in models:
            for run in range(1, cfg.runs + 1):
                p = TrialParam(agent, model, run)
                params.append(pytest.param(p, id=p.id, marks=marks))
    metafunc.parametrize(PARAM_FIXTURE, params, indirect=True)


@pytest.fixture
def grading(request):
    """The GradingContext of this item's trial. The trial itself (prepare → act → stop → snapshot → grade →
    record) runs in `pytest_pyfunc_call`, which calls the test body (the validator) as its grade phase."""
    config = request.config
    services = config.stash[SERVICES]
    task = load_task(Path(request.node.path).parent)
    param: TrialParam = request.param
    cfg = services.cfg
    if cfg.resume:
        previous = _finished(cfg.out_dir / dir_name(task.id, param) / "result.json", cfg)
        if previous is not None:
            request.node.stash[REPLAYED] = previous
            request.node.user_properties.extend(previous.properties())
            return previous
    if config.stash[EXECUTOR].remote:
        return _remote_trial(request, task, param)
    t = Trial(services, task, param, request.node.nodeid,
              prepare_step=getattr(request.module, "prepare_workspace", None))
    request.node.stash[TRIAL] = t
    return t.grading


def _remote_trial(request, task, param: TrialParam) -> TrialResult:
    """--executor ray: the trial ran (and was graded) on a cluster node; replay its record, as --mldb-resume does."""
    item = request.node
    try:
        record = item.config.stash[EXECUTOR].result(item)
    except InfrastructureError:  # lost node(s) past the retry limit: recorded as an error by makereport
        item.stash[TRIAL] = Trial(item.config.stash[SERVICES], task, param, item.nodeid)
        raise
    item.stash[REPLAYED] = record
    item.stash[REMOTE] = True
    item.user_properties.extend(record.properties())
    if record.outcome == ERROR:
        raise InfrastructureError(record.detail)
    return record


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    """--executor ray: submit every trial now, so they start as soon as the cluster has room."""
    config = session.config
    if EXECUTOR not in config.stash or config.option.collectonly or _is_worker(config):
        return
    if session.testsfailed and not config.option.continue_on_collection_errors:
        return  # pytest will not run the items
    config.stash[EXECUTOR].submit_all(session.items)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    """Before the first trial: a sandbox that cannot run safely here stops the session with its reason (one
    line), rather than erroring every trial (with xdist, the controller checks: see below)."""
    if not _is_worker(session.config) and any(param_of(i) is not None for i in session.items):
        _check_sandbox(session.config)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    if ids:
        _check_sandbox(node.config)


def _check_sandbox(config) -> None:
    if config.option.collectonly or EXECUTOR not in config.stash or config.stash[EXECUTOR].remote:
        return
    try:
        config.stash[SERVICES].sandbox()
    except InfrastructureError as exc:
        raise pytest.UsageError(str(exc)) from None


def _finished(path: Path, cfg: options.RunConfig) -> TrialResult | None:
    if not path.is_file():
        return None
    try:
        result = TrialResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        return None
    if result.outcome not in (PASSED, FAILED) or result.profile != cfg.profile or result.sandbox != cfg.sandbox:
        return None
    return result


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run the item's trial with the test body as its validator; a replayed record (resume, Ray) stands."""
    replayed = pyfuncitem.stash.get(REPLAYED, None)
    if replayed is not None:
        if replayed.outcome == FAILED:
            remote = pyfuncitem.stash.get(REMOTE, False)
            raise TrialFailed(("" if remote else "[resumed] ") + replayed.failure_message())
        return True
    t = pyfuncitem.stash.get(TRIAL, None)
    if t is None:
        return None
    kwargs = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    record = t.run(lambda _grading: pyfuncitem.obj(**kwargs))
    if record.outcome == ERROR:
        raise InfrastructureError(record.detail)
    if record.outcome == FAILED:
        raise TrialFailed(record.failure_message())
    return True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    t = item.stash.get(TRIAL, None)
    if t is not None and not t.recorded and call.excinfo is not None:
        t.record(error=str(call.excinfo.value) or type(call.excinfo.value).__name__)  # failed before the trial ran
    if t is not None and t.recorded and not item.stash.get(RECORDED, False):
        item.stash[RECORDED] = True
        item.user_properties.extend(t.result.properties())
    return (yield)


class Collector:
    """Gathers trial records from test reports (on the controller they arrive from every xdist worker)."""

    def __init__(self):
        self.trials: dict[str, dict] = {}

    def pytest_runtest_logreport(self, report):
        for name, value in getattr(report, "user_properties", ()):
            if name == RESULT_PROPERTY:
                self.trials.setdefault(report.nodeid, json.loads(value))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if SERVICES in config.stash:
        config.stash[SERVICES].close()
    if EXECUTOR in config.stash:
        config.stash[EXECUTOR].shutdown()
    if _is_worker(config) or CFG not in config.stash:
        return
    trials = list(config.stash[COLLECTOR].trials.values())
    if not trials:
        return
    cfg = config.stash[CFG]
    report = json_report.build(trials, _metadata(config, cfg))
    config.stash[RESULTS]["report"] = report
    if BASELINE in config.stash:
        _baseline_gate(session, report)  # before writing: the report carries the gate's verdict
    try:
        json_report.write(report, cfg.out_dir / "report.json")
        if cfg.json_path is not None:
            json_report.write(report, cfg.json_path)
    except OSError as exc:
        config.stash[RESULTS]["write_error"] = f"could not write the JSON report: {exc}"


def _metadata(config, cfg: options.RunConfig) -> dict:
    versions, limits = {}, {}
    for t in config.stash[COLLECTOR].trials.values():
        versions = versions or t.get("versions") or {}
        limits = limits or t.get("sandbox_limits") or {}
    return {
        "profile": cfg.profile, "sandbox": cfg.sandbox, "agents": cfg.agents, "models": cfg.models,
        "runs": cfg.runs, "gpus": cfg.gpus, "git_sha": git_sha(), "versions": versions, "sandbox_limits": limits,
        "workers": getattr(config.option, "numprocesses", None) or 0,
        "limits": {"agent_timeout_s": cfg.agent_timeout, "max_steps": cfg.max_steps,
                   "max_cost_usd": cfg.max_cost, "max_tokens": cfg.max_tokens},
        "out_dir": str(cfg.out_dir),
        "config": runconfig.resolved(config, cfg),  # the run's settings in --mldb-config's shape
    }


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if RESULTS not in config.stash:
        return
    results = config.stash[RESULTS]
    report = results.get("report")
    if report is None:
        return
    terminalreporter.write_sep("=", "ML-Dev-Bench results")
    terminalreporter.write_line(table.render(report))
    cfg = config.stash[CFG]
    where = cfg.json_path or cfg.out_dir / "report.json"
    terminalreporter.write_line(f"report: {where}   trial artifacts: {cfg.out_dir}")
    if "write_error" in results:
        terminalreporter.write_line(results["write_error"], red=True)
    if "gate" in results:
        terminalreporter.write_sep("=", "ML-Dev-Bench gate (--mldb-baseline)")
        terminalreporter.write_line(results["gate"])


BASELINE = pytest.StashKey[dict]()
SEQUENTIAL = pytest.StashKey[rounds.Ledger]()


def _reports_configure(config, cfg: options.RunConfig) -> None:
    """Controller only: load the --mldb-baseline report (usage error if unreadable); start live progress."""
    from .report.progress import Progress
    baseline = config.getoption("--mldb-baseline")
    if baseline:
        try:
            config.stash[BASELINE] = json_report.load(Path(baseline))
        except (OSError, ValueError) as exc:
            raise pytest.UsageError(f"--mldb-baseline: cannot read {baseline}: {exc}") from None
    interval = options._number(config, "--mldb-progress", float, 0)
    config.pluginmanager.register(Progress(config.pluginmanager, cfg.out_dir, interval), "mldevbench-progress")


def _baseline_gate(session, report: dict) -> None:
    """The session's exit status becomes the gate's verdict: 0 unless significantly worse (or errors).
    The verdict also goes into the report (`gate`); with --mldb-sequential it is the sequential one."""
    from .report import compare
    if session.exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return  # interrupted, usage or internal error: that status stands
    results, stash = session.config.stash[RESULTS], session.config.stash
    if SEQUENTIAL in stash:
        text, ok, report["gate"] = rounds.verdict(stash[BASELINE], stash[SEQUENTIAL], stash[CFG].runs)
    else:
        try:
            comparisons = compare.compare(stash[BASELINE], report)
        except ValueError as exc:
            results["gate"] = f"gate FAILED: {exc}"
            report["gate"] = {"schema": compare.SCHEMA, "gate": "fail", "error": str(exc)}
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
            return
        text = compare.render_text(comparisons)
        note = compare.unpaired_note(stash[BASELINE], report)
        text += f"\n{note}" if note else ""
        ok, report["gate"] = compare.gate(comparisons), compare.to_json(comparisons, note)
    if report["errors"]:
        text += f"\ngate: FAIL ({len(report['errors'])} infrastructure errors: the measurement is incomplete)"
        ok, report["gate"]["gate"] = False, "fail"
    results["gate"] = text
    session.exitstatus = pytest.ExitCode.OK if ok else pytest.ExitCode.TESTS_FAILED


__all__ = ["grading", "MldbError"]
