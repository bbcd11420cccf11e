"""--mldb-config run.yaml: a run kept under version control, turned into command-line arguments.

The file's keys become the options they stand for, placed before the command line's own arguments, so an option
given on the command line overrides the file (its `paths` are used only when the command line names none). A flag
set in the file (`resume: true`) cannot be unset from the command line. Relative paths in the file are relative to
the file's folder. Unknown keys and wrong types are usage errors naming the key. `resolved()` gives the run's
settings back in the same shape, for the report's metadata.
"""
from __future__ import annotations

import copy
import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

from .configfile import ConfigError, load_mapping, number
from .options import EXECUTORS, SANDBOXES, RunConfig
from .tasks import PROFILES


@dataclass(frozen=True)
class Key:
    flag: str                                  # the option it stands for ("" for the positional paths)
    check: Callable[[Any], Any]                # the value for the flag (text, paths, a bool); TypeError(why)
    path: bool = False                         # relative to the file's folder


def _integer(minimum: int):
    def check(v):
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise TypeError(f"an integer >= {minimum}")
        return str(v)
    return check


def _number(minimum: float):
    def check(v):
        n = number(v)  # YAML 1.1 leaves `1e-3` a string; it is still a number here
        if n is None or n < minimum:
            raise TypeError(f"a number >= {minimum:g}")
        return str(v) if isinstance(v, int) else repr(n)
    return check


def _text(v):
    if not isinstance(v, str) or not v.strip():
        raise TypeError("a non-empty string")
    return v


def _choice(options):
    def check(v):
        if v not in options:
            raise TypeError(f"one of {', '.join(options)}")
        return v
    return check


def _names(v):
    """A list of names (or one name, or a comma list), as a comma list."""
    items = [v] if isinstance(v, str) else v
    if isinstance(items, list) and None in items:
        raise TypeError("a list of names (write the agent \"null\" in quotes: YAML reads a bare null as nothing)")
    if not isinstance(items, list) or not items or not all(isinstance(i, (str, int)) and not isinstance(i, bool)
                                                           and str(i).strip() for i in items):
        raise TypeError("a list of names")
    return ",".join(str(i).strip() for i in items)


def _paths(v):
    items = [v] if isinstance(v, str) else v
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise TypeError("a list of paths")
    return items


def _flag(v):
    if not isinstance(v, bool):
        raise TypeError("true or false")
    return v


def _workers(v):
    if v in ("auto", "logical"):
        return v
    return _integer(0)(v)


KEYS: dict[str, Key] = {
    "paths": Key("", _paths, path=True),
    "keyword": Key("-k", _text),
    "markers": Key("-m", _text),
    "agents": Key("--agent", _names),
    "models": Key("--model", _names),
    "runs": Key("--runs", _integer(1)),
    "profile": Key("--profile", _choice(PROFILES)),
    "sandbox": Key("--sandbox", _choice(SANDBOXES)),
    "workers": Key("--numprocesses", _workers),
    "executor": Key("--executor", _choice(EXECUTORS)),
    "ray_address": Key("--ray-address", _text),
    "gpus": Key("--gpus", _names),
    "gpu_all": Key("--mldb-gpu-all", _flag),
    "agent_cmd": Key("--agent-cmd", _text),
    "limits.agent_timeout": Key("--agent-timeout", _number(1)),
    "limits.max_steps": Key("--max-steps", _integer(1)),
    "limits.max_cost": Key("--max-cost", _number(0)),
    "limits.max_tokens": Key("--max-tokens", _integer(1)),
    "limits.timeout": Key("--timeout", _number(0)),
    "llm.config": Key("--llm-config", _text, path=True),
    "llm.api_base": Key("--llm-api-base", _text),
    "llm.prices": Key("--llm-prices", _text, path=True),
    "out": Key("--mldb-out", _text, path=True),
    "json": Key("--mldb-json", _text, path=True),
    "baseline": Key("--mldb-baseline", _text, path=True),
    "progress": Key("--mldb-progress", _number(0)),
    "resume": Key("--mldb-resume", _flag),
    "keep": Key("--mldb-keep", _flag),
    "fail_fast": Key("--mldb-fail-fast", _flag),
}
SECTIONS = {name.split(".")[0] for name in KEYS if "." in name}


def to_args(path: Path) -> tuple[list[str], list[str]]:
    """(options, paths) of the file as command-line arguments; ConfigError names the key."""
    data = load_mapping(path, "--mldb-config")
    label = f"--mldb-config {path}"
    options: list[str] = []
    paths: list[str] = []
    for name, value in _flatten(data, label):
        key = KEYS.get(name)
        if key is None:
            close = difflib.get_close_matches(name, list(KEYS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; known keys: {', '.join(KEYS)}"
            raise ConfigError(f"{label}: unknown key {name!r}{hint}")
        if value is None:
            continue  # written out but unset: the option's default applies
        try:
            text = key.check(value)
        except TypeError as why:
            raise ConfigError(f"{label}: {name!r} must be {why}, got {value!r}") from None
        if key.path:
            text = [_near(path, t) for t in text] if isinstance(text, list) else _near(path, text)
        if not key.flag:
            paths += text
        elif isinstance(text, bool):
            options += [key.flag] if text else []
        else:
            options += [f"{key.flag}={text}"] if key.flag.startswith("--") else [key.flag, text]
    return options, paths


def _near(config_file: Path, value: str) -> str:
    return os.path.normpath(config_file.parent / Path(value).expanduser())


def _flatten(data: dict, label: str):
    for name, value in data.items():
        if name in SECTIONS:
            if value is None:
                continue
            if not isinstance(value, dict):
                raise ConfigError(f"{label}: {name!r} must be a mapping (keys: "
                                  f"{', '.join(k.split('.')[1] for k in KEYS if k.startswith(name + '.'))})")
            for sub, v in value.items():
                yield f"{name}.{sub}", v
        else:
            yield str(name), value


def apply(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """pytest_load_initial_conftests: put the file's arguments in front of the command line's own."""
    given = getattr(early_config.known_args_namespace, "mldb_config", None)
    if not given:
        return
    path = Path(given).absolute()
    try:
        options, paths = to_args(path)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    args[:0] = options
    if paths and not early_config.known_args_namespace.file_or_dir:
        args += paths
    early_config.known_args_namespace = parser.parse_known_args(args, namespace=copy.copy(early_config.option))


def resolved(config: pytest.Config, cfg: RunConfig) -> dict[str, Any]:
    """The run's settings in the file's shape, whatever set them (file, command line or defaults)."""
    root = config.rootpath

    def rel(p) -> str:
        p = Path(os.path.normpath(config.invocation_params.dir / p))
        return str(p.relative_to(root)) if p.is_relative_to(root) else str(p)

    opt = config.option
    source = config.getoption("--mldb-config")
    return {
        "source": str(Path(source).absolute()) if source else None,
        "paths": [rel(a.split("::")[0]) + a[len(a.split("::")[0]):] for a in config.args],
        "keyword": opt.keyword or None, "markers": opt.markexpr or None,
        "agents": cfg.agents, "models": cfg.models, "runs": cfg.runs, "profile": cfg.profile, "sandbox": cfg.sandbox,
        "workers": getattr(opt, "numprocesses", None) or 0, "executor": cfg.executor, "ray_address": cfg.ray_address,
        "gpus": cfg.gpus, "gpu_all": cfg.gpu_all, "agent_cmd": cfg.agent_cmd,
        "limits": {"agent_timeout": cfg.agent_timeout, "max_steps": cfg.max_steps, "max_cost": cfg.max_cost,
                   "max_tokens": cfg.max_tokens, "timeout": getattr(opt, "timeout", None)},
        "llm": {"config": str(cfg.llm_config.path) if cfg.llm_config else None, "api_base": cfg.llm_api_base,
                "prices": str(cfg.llm_prices) if cfg.llm_prices else None,
                "models": cfg.llm_config.public() if cfg.llm_config else {}},
        "out": str(cfg.out_dir), "json": str(cfg.json_path) if cfg.json_path else None,
        "baseline": config.getoption("--mldb-baseline"), "progress": float(config.getoption("--mldb-progress")),
        "resume": cfg.resume, "keep": cfg.keep, "fail_fast": cfg.fail_fast,
    }
