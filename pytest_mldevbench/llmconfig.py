"""--llm-config: the `model_list` of a litellm proxy config, read into the meter's aliases, endpoints and prices.

    model_list:
      - model_name: coder                        # what --model names (an alias)
        litellm_params:
          model: openai/qwen2.5-coder-32b        # the litellm name the meter calls
          api_base: http://gpu-box:8000/v1
          api_key: os.environ/VLLM_API_KEY       # read from the environment when a call is made
        model_info:
          input_cost_per_token: 0.0000002        # prices may also sit in litellm_params, as litellm allows
          output_cost_per_token: 0.0000006

The proxy's other sections (litellm_settings, router_settings, general_settings) and router-only parameters
(rpm, tpm, weight, order, ...) are the proxy's business and are ignored, so a team's existing file loads as it is.
Every other litellm_param is passed to each call of that model. Keys never leave the meter: the report shows
`os.environ/NAME`, never a value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .configfile import ConfigError, load_mapping
from .meter.models import ENV_PREFIX, Deployment
from .meter.prices import price_entry

ROUTER_ONLY = frozenset({"rpm", "tpm", "weight", "order", "max_parallel_requests", "tags", "region_name"})
PRICE_SUFFIXES = ("_cost_per_token", "_token_cost", "_cost_per_second")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class LlmConfig:
    path: Path
    deployments: tuple[Deployment, ...]
    prices: dict[str, dict[str, Any]]          # litellm name -> checked price entry

    def public(self) -> dict[str, dict[str, Any]]:
        """What the report records of each model: names, endpoint, where its key comes from, prices."""
        out = {}
        for d in self.deployments:
            key = f"{ENV_PREFIX}{d.api_key_env}" if d.api_key_env else ("(written in the file)" if d.api_key else None)
            out[d.alias] = {"model": d.model, "api_base": d.api_base, "api_key": key,
                            "prices": {k: v for k, v in self.prices.get(d.model, {}).items() if k.endswith(PRICE_SUFFIXES)}}
        return out

    def register(self) -> None:
        """Make the models known to this process's meter (every pytest process calls this)."""
        from .meter.models import register_deployments
        from .meter.prices import register_prices
        register_deployments(self.deployments)
        register_prices(self.prices)


def load(path: Path | str, model_name: re.Pattern) -> LlmConfig:
    """Read and check `path`; ConfigError (one line naming the file and the entry) when it is malformed."""
    path = Path(path)
    label = f"--llm-config {path}"
    data = load_mapping(path, "--llm-config")
    models = data.get("model_list")
    if not isinstance(models, list) or not models:
        raise ConfigError(f"{label}: 'model_list' must be a non-empty list of models")
    deployments: dict[str, Deployment] = {}
    by_model: dict[str, tuple[str, Deployment, dict]] = {}
    prices: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(models):
        where = f"{label}: model_list[{i}]"
        deployment, price = _entry(entry, where, model_name)
        if deployment.alias in deployments:
            raise ConfigError(f"{where}: model_name {deployment.alias!r} is listed twice (load-balanced groups are "
                              "not supported: keep one deployment per name)")
        seen = by_model.get(deployment.model)
        if seen is not None and (_settings(seen[1]), seen[2]) != (_settings(deployment), price):
            raise ConfigError(f"{where}: {deployment.alias!r} and {seen[0]!r} both call {deployment.model} with "
                              "different settings; the meter tells models apart by their litellm name")
        by_model[deployment.model] = (deployment.alias, deployment, price)
        deployments[deployment.alias] = deployment
        if price:
            prices[deployment.model] = price_entry(deployment.model, price, where)
    return LlmConfig(path=path.absolute(), deployments=tuple(deployments.values()), prices=prices)


def _entry(entry: Any, where: str, model_name: re.Pattern) -> tuple[Deployment, dict]:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a mapping with model_name and litellm_params")
    alias = entry.get("model_name")
    if not isinstance(alias, str) or not model_name.fullmatch(alias):
        raise ConfigError(f"{where}.model_name must be a model name usable with --model (letters, digits, "
                          f"_.:/@+-), got {alias!r}")
    params = entry.get("litellm_params")
    if not isinstance(params, dict):
        raise ConfigError(f"{where}.litellm_params must be a mapping")
    info = entry.get("model_info") or {}
    if not isinstance(info, dict):
        raise ConfigError(f"{where}.model_info must be a mapping")
    model = params.get("model")
    if not isinstance(model, str) or not model.strip() or "*" in model or "*" in alias:
        raise ConfigError(f"{where}.litellm_params.model must be one litellm model name (no wildcards), got {model!r}")
    price = {k: v for k, v in {**info, **params}.items() if k.endswith(PRICE_SUFFIXES)}
    rest = {k: v for k, v in params.items() if k not in ROUTER_ONLY and k != "model" and k not in price}
    api_base, api_key = rest.pop("api_base", None), rest.pop("api_key", None)
    for key, value in (("api_base", api_base), ("api_key", api_key)):
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{where}.litellm_params.{key} must be a string, got {type(value).__name__}")
    for key, value in [("api_base", api_base), ("api_key", api_key), *rest.items()]:
        if isinstance(value, str) and value.startswith(ENV_PREFIX) and not ENV_NAME.fullmatch(value[len(ENV_PREFIX):]):
            raise ConfigError(f"{where}.litellm_params.{key}: {value!r} does not name an environment variable")
    key_env = api_key[len(ENV_PREFIX):] if api_key and api_key.startswith(ENV_PREFIX) else None
    deployment = Deployment(alias=alias, model=model.strip(), api_base=api_base, api_key_env=key_env,
                            api_key=None if key_env else api_key, params=tuple(sorted(rest.items())))
    return deployment, price


def _settings(d: Deployment) -> tuple:
    return d.api_base, d.api_key_env, d.api_key, d.params
