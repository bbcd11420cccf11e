"""Command-line options of the plugin and their validation into a RunConfig."""
from __future__ import annotations

import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from . import gpus as gpu_mod
from .tasks import PROFILES

SANDBOXES = ("local", "docker")
EXECUTORS = ("local", "ray")
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/@+-]*")
WATCHDOG_MARGIN_S = 600.0  # default margin of the trial watchdog (watchdog.py), MLDB_WATCHDOG_MARGIN_S overrides


@dataclass
class RunConfig:
    agents: list[str]
    models: list[str]
    runs: int
    sandbox: str
    profile: str
    out_dir: Path
    json_path: Path | None
    scratch: Path
    agent_timeout: float | None = None
    max_steps: int | None = None
    max_cost: float | None = None
    max_tokens: int | None = None
    resume: bool = False
    keep: bool = False
    gpus: list[str] = field(default_factory=list)
    gpu_all: bool = False
    llm_api_base: str | None = None
    llm_prices: Path | None = None
    agent_cmd: str | None = None
    executor: str = "local"
    ray_address: str | None = None
    fail_fast: bool = False
    llm_config: Any = None  # llmconfig.LlmConfig from --llm-config
    watchdog_margin_s: float = WATCHDOG_MARGIN_S


def add_options(parser: pytest.Parser) -> None:
    g = parser.getgroup("mldevbench", "ML-Dev-Bench trials")
    g.addoption("--agent", default="oracle", help="comma list of agents (default: oracle)")
    g.addoption("--model", default="", help="comma list of models: aliases (sonnet, gpt-4o, ...) or litellm names")
    g.addoption("--runs", default="1", help="trials per task, agent and model (default: 1)")
    g.addoption("--sandbox", default="local", help="where agents run: local | docker (default: local)")
    g.addoption("--profile", default="smoke", help="assets and thresholds: smoke | full (default: smoke)")
    g.addoption("--mldb-out", default="mldb-out", help="folder for per-trial artifacts (default: ./mldb-out)")
    g.addoption("--mldb-json", default=None, help="write the JSON report here")
    g.addoption("--mldb-resume", action="store_true", help="reuse finished trials found in --mldb-out")
    g.addoption("--mldb-keep", action="store_true", help="keep each trial's private workspace and grading dir")
    g.addoption("--mldb-fail-fast", action="store_true",
                help="stop grading a trial at its first failed check (same outcome, fewer checks reported; "
                     "for suites of failing agents such as the red-team)")
    g.addoption("--agent-timeout", default=None, help="wall-clock seconds per agent run (default: the task's)")
    g.addoption("--max-steps", default=None, help="LLM calls per trial (default: agent's own, e.g. 50)")
    g.addoption("--max-cost", default=None, help="US dollars per trial")
    g.addoption("--max-tokens", default=None, help="prompt + completion tokens per trial")
    g.addoption("--gpus", default=None, help="GPU indices to spread over workers, e.g. 0,1 (default: detected)")
    g.addoption("--mldb-gpu-all", action="store_true",
                help="give every trial a GPU, CPU-only tasks too (to check that task files are device-safe)")
    g.addoption("--llm-api-base", default=None, help="backend base URL for the meter (self-hosted endpoints)")
    g.addoption("--mldb-baseline", default=None, metavar="BASE.json",
                help="compare with this report at the end; the exit status becomes the gate's verdict")
    g.addoption("--mldb-sequential", action="store_true",
                help="with --mldb-baseline and --runs N: run the trials round by round and stop adding rounds once "
                     "the gate's verdict is decided (alpha-spending looks; skipped trials are reported as not run)")
    g.addoption("--mldb-durations", default=None, metavar="REPORT.json",
                help="start the trials expected to take longest first, by their durations in this earlier report "
                     "(default: --mldb-out's report.json if there is one, else task.toml's [timings])")
    g.addoption("--mldb-progress", default="30", metavar="SECONDS",
                help="print a progress line at most every SECONDS while trials finish (0: off; default 30)")
    g.addoption("--executor", default="local",
                help="where trials run: local (this machine) | ray (tasks on a Ray cluster; default: local)")
    g.addoption("--ray-address", default=None, metavar="ADDRESS",
                help="with --executor ray: auto | host:port | ray://host:port (default: a new local Ray instance)")
    g.addoption("--llm-prices", default=None,
                help="JSON or YAML file registering prices of custom models with litellm")
    g.addoption("--llm-config", default=None, metavar="LITELLM.yaml",
                help="a litellm proxy config: its model_list defines model aliases, endpoints, keys and prices")
    g.addoption("--mldb-config", default=None, metavar="RUN.yaml",
                help="a run config (agents, models, runs, limits, task selection, ...); command-line options override it")
    g.addoption("--agent-cmd", default=None,
                help="command template of --agent=cli, e.g. 'claude -p {prompt_file}' (placeholders: "
                     "{prompt_file} {prompt} {workspace} {model} {artifacts_dir} {trial_json})")


def _number(config: pytest.Config, name: str, kind, minimum):
    raw = config.getoption(name)
    if raw is None:
        return None
    try:
        value = kind(raw)
    except ValueError:
        raise pytest.UsageError(f"{name} expects {'an integer' if kind is int else 'a number'}, got {raw!r}") from None
    if not math.isfinite(value):
        raise pytest.UsageError(f"{name} expects a finite number, got {raw!r}")
    if value < minimum:
        raise pytest.UsageError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def _list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def parse(config: pytest.Config, known_agents: dict) -> RunConfig:
    """Validate every option; raise pytest.UsageError (exit 4) with one clear line."""
    agents = _list(config.getoption("--agent"))
    if not agents:
        raise pytest.UsageError("--agent is empty; known agents: " + ", ".join(sorted(known_agents)))
    for name in agents:
        if name not in known_agents:
            raise pytest.UsageError(f"unknown agent {name!r} in --agent; known agents: {', '.join(sorted(known_agents))}")
    if len(set(agents)) != len(agents):
        raise pytest.UsageError("--agent lists an agent twice")
    models = _list(config.getoption("--model"))
    for m in models:
        if not MODEL_NAME.fullmatch(m):
            raise pytest.UsageError(f"--model has a malformed name {m!r}")
    needs_model = [a for a in agents if known_agents[a].uses_model]
    if needs_model and not models:
        raise pytest.UsageError(f"--agent={needs_model[0]} talks to an LLM: give --model (e.g. --model=sonnet)")
    sandbox = config.getoption("--sandbox")
    if sandbox not in SANDBOXES:
        raise pytest.UsageError(f"--sandbox must be one of {', '.join(SANDBOXES)}, got {sandbox!r}")
    profile = config.getoption("--profile")
    if profile not in PROFILES:
        raise pytest.UsageError(f"--profile must be one of {', '.join(PROFILES)}, got {profile!r}")
    gpu_raw = config.getoption("--gpus")
    try:
        gpus = gpu_mod.parse_gpu_list(gpu_raw) if gpu_raw else gpu_mod.detect()
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    prices = _prices(config.getoption("--llm-prices"))
    llm_config = _llm_config(config.getoption("--llm-config"))
    api_base = config.getoption("--llm-api-base") or None  # empty: none (e.g. an unset CI variable)
    if api_base is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", api_base):
        raise pytest.UsageError(f"--llm-api-base must be an http(s) URL such as http://host:8000/v1, got {api_base!r}")
    agent_cmd = config.getoption("--agent-cmd")
    if "cli" in agents and not agent_cmd:
        raise pytest.UsageError("--agent=cli runs a command-line agent: give --agent-cmd='claude -p {prompt_file} ...'")
    if "cli" in agents:
        from .agents.cli import template_error
        if template_error(agent_cmd):
            raise pytest.UsageError(template_error(agent_cmd))
    executor, ray_address = _executor(config)
    out_dir = Path(config.getoption("--mldb-out")).absolute()
    json_path = config.getoption("--mldb-json")
    json_path = Path(json_path).absolute() if json_path else None
    if not config.option.collectonly:
        _check_writable(out_dir, "--mldb-out")
        if json_path is not None:
            if json_path.is_dir():
                raise pytest.UsageError(f"--mldb-json must be a file, but {json_path} is a folder")
            _check_writable(json_path.parent, "--mldb-json", json_path)
    scratch = Path(os.environ.get("MLDB_SCRATCH") or Path(tempfile.gettempdir()) / f"mldevbench-{os.getuid()}")
    return RunConfig(
        agents=agents, models=models, runs=_number(config, "--runs", int, 1), sandbox=sandbox, profile=profile,
        out_dir=out_dir, json_path=json_path, scratch=scratch.absolute(),
        agent_timeout=_number(config, "--agent-timeout", float, 1), max_steps=_number(config, "--max-steps", int, 1),
        max_cost=_number(config, "--max-cost", float, 0), max_tokens=_number(config, "--max-tokens", int, 1),
        resume=config.getoption("--mldb-resume"), keep=config.getoption("--mldb-keep"), gpus=gpus,
        gpu_all=config.getoption("--mldb-gpu-all"),
        llm_api_base=api_base, llm_prices=prices, llm_config=llm_config,
        agent_cmd=agent_cmd, executor=executor, ray_address=ray_address,
        fail_fast=config.getoption("--mldb-fail-fast"), watchdog_margin_s=_watchdog_margin(),
    )


def _check_writable(folder: Path, name: str, target: Path | None = None) -> None:
    """The folder (of `target`, if given) exists or is made now, and a file can be written in it; else a one-line
    usage error."""
    if folder.exists() and not folder.is_dir():
        raise pytest.UsageError(f"{name}: cannot write {target}: {folder} is a file" if target
                                else f"{name} must be a folder, but {folder} is a file")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise pytest.UsageError(f"{name}: cannot write to {folder}: {exc.strerror or exc}") from None


def _prices(raw: str | None) -> Path | None:
    """--llm-prices, read and checked now (registered with litellm later, by each process's meter)."""
    if not raw:
        return None
    if not Path(raw).is_file():
        raise pytest.UsageError(f"--llm-prices file not found: {raw}")
    from .meter.prices import read_prices
    try:
        read_prices(raw)
    except ValueError as exc:
        raise pytest.UsageError(f"--llm-prices: {exc}") from None
    return Path(raw).absolute()


def _llm_config(raw: str | None):
    if not raw:
        return None
    from . import llmconfig
    try:
        return llmconfig.load(raw, MODEL_NAME)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


def _watchdog_margin() -> float:
    raw = os.environ.get("MLDB_WATCHDOG_MARGIN_S")
    if raw is None:
        return WATCHDOG_MARGIN_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not (math.isfinite(value) and value >= 0):
        raise pytest.UsageError(f"MLDB_WATCHDOG_MARGIN_S must be a number of seconds >= 0, got {raw!r}")
    return value


def _executor(config: pytest.Config) -> tuple[str, str | None]:
    executor = config.getoption("--executor")
    if executor not in EXECUTORS:
        raise pytest.UsageError(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    address = config.getoption("--ray-address")
    if address is not None and executor != "ray":
        raise pytest.UsageError("--ray-address needs --executor ray")
    if address is not None and not re.fullmatch(r"auto|(ray://)?[A-Za-z0-9_.-]+:\d{1,5}", address):
        raise pytest.UsageError(f"--ray-address must be auto, host:port or ray://host:port, got {address!r}")
    if executor == "ray":
        if (getattr(config.option, "numprocesses", None) or 0) and not hasattr(config, "workerinput"):
            raise pytest.UsageError("--executor ray runs trials on the cluster: drop -n (the controller awaits them)")
        import importlib.util
        if importlib.util.find_spec("ray") is None:
            raise pytest.UsageError("--executor ray needs Ray: pip install 'pytest-mldevbench[ray]'")
    return executor, address
