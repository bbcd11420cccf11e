"""Prices: litellm's table, plus custom models registered from a JSON or YAML file (or an --llm-config)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..configfile import load_mapping, number
from ._litellm import litellm

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
