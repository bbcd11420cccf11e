"""Prices: litellm's table, plus custom models registered from a JSON or YAML file (or an --llm-config), and
the copy agents get."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..configfile import load_mapping, number
from ._litellm import litellm
from .models import resolve_model

_REQUIRED = ("input_cost_per_token", "output_cost_per_token")


def load_prices(path: Path | str) -> list[str]:
    """Register the prices in a JSON or YAML file with litellm; return the model names registered.

    The file maps litellm model names to litellm price entries, e.g.::

        {"openai/my-model": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6,
                             "cache_read_input_token_cost": 1e-7}}

    ``litellm_provider`` defaults to the name's prefix and ``mode`` to ``chat``.
    """
    return register_prices(read_prices(path))


def read_prices(path: Path | str) -> dict[str, dict[str, Any]]:
    """The validated price entries of a prices file, not yet registered (ValueError: one line)."""
    table = load_mapping(path, "prices file")
    return {name: price_entry(name, entry, f"prices file {path}: {name!r}") for name, entry in table.items()}


def price_entry(name: str, entry: Any, where: str) -> dict[str, Any]:
    """One litellm price entry for model `name`, checked; `where` prefixes the error message."""
    if not isinstance(entry, dict):
        raise ValueError(f"{where} needs numeric {' and '.join(_REQUIRED)}")
    out = dict(entry)
    for key, value in entry.items():
        if key.endswith(("_cost_per_token", "_token_cost")):
            out[key] = number(value)
            if out[key] is None or out[key] < 0:
                raise ValueError(f"{where}: {key} must be a number >= 0, got {value!r}")
    if any(k not in out for k in _REQUIRED):
        raise ValueError(f"{where} needs numeric {' and '.join(_REQUIRED)}")
    provider = out.get("litellm_provider") or (name.split("/", 1)[0] if "/" in name else "openai")
    return {"mode": "chat", **out, "litellm_provider": provider}


def register_prices(entries: dict[str, dict[str, Any]]) -> list[str]:
    """Register checked price entries (model name -> entry) with litellm; return the names."""
    if entries:
        litellm().register_model(entries)
    return list(entries)


def has_price(model: str) -> bool:
    """Whether litellm knows a price for `model`."""
    try:
        litellm().cost_per_token(model=model, prompt_tokens=1, completion_tokens=1)
        return True
    except Exception:
        return False


def cost_usd(model: str, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0,
             cache_creation_tokens: int = 0) -> float | None:
    """Dollar cost of one call; None when the model has no price.

    `prompt_tokens` includes cached and cache-creation tokens (litellm's convention).
    """
    try:
        cin, cout = litellm().cost_per_token(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
            cache_read_input_tokens=cached_tokens, cache_creation_input_tokens=cache_creation_tokens)
    except Exception:
        return None
    return float(cin) + float(cout)


def unpriced(models: list[str]) -> list[str]:
    """The (resolved) model names among `models` that have no price."""
    return [m for m in map(resolve_model, models) if not has_price(m)]


def agent_prices(model: str) -> dict[str, dict]:
    """The session's price of `model` as litellm entries, under the names agents give it.

    An agent that counts its own cost with litellm (mini-swe-agent, OpenHands) looks the model up
    under the name it calls: the trial's name, or that name behind the meter's OpenAI-compatible
    endpoint (``openai/<model>``). Empty when the model has no price.
    """
    if not has_price(model):
        return {}
    info = litellm().get_model_info(model)
    entry = {k: v for k, v in info.items()
             if "cost" in k and isinstance(v, (int, float)) and not isinstance(v, bool)}
    entry.update(litellm_provider=info.get("litellm_provider") or "openai", mode="chat")
    names = {model, f"openai/{model}"}
    return {name: dict(entry) for name in sorted(names)}


def write_agent_prices(model: str, path: Path) -> dict[str, str]:
    """Write `agent_prices(model)` to `path`; the environment that points agents at it.

    ``MLDB_LLM_PRICES`` is ours (any agent may read it); mini-swe-agent registers the file named
    by ``LITELLM_MODEL_REGISTRY_PATH`` with its litellm. Nothing when the model has no price.
    """
    prices = agent_prices(model)
    if not prices:
        return {}
    Path(path).write_text(json.dumps(prices, indent=2, sort_keys=True))
    return {"MLDB_LLM_PRICES": str(path), "LITELLM_MODEL_REGISTRY_PATH": str(path)}
