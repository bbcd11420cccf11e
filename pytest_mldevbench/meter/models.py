"""Model aliases, provider lookup and the up-front API key check."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterable

from ._litellm import litellm

#: Short names users type -> litellm model names. Unknown names pass through unchanged.
ALIASES: dict[str, str] = {
    "sonnet": "anthropic/claude-sonnet-4-5",
    "sonnet-4.6": "anthropic/claude-sonnet-4-6",
    "opus": "anthropic/claude-opus-4-5",
    "haiku": "anthropic/claude-haiku-4-5",
    "gpt-4o": "openai/gpt-4o",
    "gpt-4o-mini": "openai/gpt-4o-mini",
    "gpt-4.1": "openai/gpt-4.1",
    "gpt-5": "openai/gpt-5",
    "gpt-5-mini": "openai/gpt-5-mini",
    "o3": "openai/o3",
    "o4-mini": "openai/o4-mini",
    "gemini-flash": "gemini/gemini-2.5-flash",
    "gemini-pro": "gemini/gemini-2.5-pro",
    "deepseek": "deepseek/deepseek-chat",
}

#: litellm providers that speak the OpenAI chat-completions protocol at a custom base URL.
OPENAI_COMPATIBLE = frozenset({
    "openai", "custom_openai", "openai_like", "hosted_vllm", "vllm", "lm_studio", "llamafile",
    "ollama_chat", "ollama", "text-completion-openai",
})


class ModelConfigError(RuntimeError):
    """The chosen model cannot be used in this session (one-line message)."""


class MissingApiKey(ModelConfigError):
    """The backend's API key variable is not set."""


class UnknownModel(ModelConfigError):
    """litellm cannot tell which provider serves this model name."""


def resolve_model(name: str) -> str:
    """Map an alias (``sonnet``, or a model_name of --llm-config) to its litellm name; any other name passes through."""
    name = name.strip()
    if name in _DEPLOYMENTS:
        return _DEPLOYMENTS[name].model
    return ALIASES.get(name, name)


def provider_of(model: str) -> str:
    """The litellm provider of a (resolved) model name, e.g. ``anthropic``."""
    try:
        return litellm().get_llm_provider(model)[1]
    except Exception as exc:  # litellm raises BadRequestError for names it cannot place
        known = ", ".join(sorted(ALIASES))
        raise UnknownModel(
            f"unknown model {model!r}: use an alias ({known}) or a litellm name like "
            f"'openai/gpt-4o'") from exc


def check_api_key(model: str, api_base: str | None = None) -> None:
    """Raise MissingApiKey (one line naming the variable) when the backend's key is not set.

    With an `api_base` override and an OpenAI-compatible provider no key is required (self-hosted
    and scripted servers do not check one).
    """
    model = resolve_model(model)
    deployment = deployment_of(model)
    if deployment is not None:
        missing = [n for n in deployment.env_names() if not os.environ.get(n)]
        if missing:
            raise MissingApiKey(f"model {deployment.alias} ({model}, from --llm-config) needs "
                                f"{' and '.join(missing)} set in the environment")
        if deployment.api_key_env or deployment.api_key is not None:
            return
        api_base = deployment.api_base or api_base
    provider = provider_of(model)
    if api_base and provider in OPENAI_COMPATIBLE:
        return
    env = litellm().validate_environment(model=model)
    missing = [k for k in env.get("missing_keys", []) if not os.environ.get(k)]
    if not env.get("keys_in_environment") and missing:
        names = " and ".join(missing)
        raise MissingApiKey(f"model {model} needs an API key: set {names} in the environment")


# -- models of a litellm proxy config (--llm-config) --------------------------------------------------------------
# The one entry point through which --llm-config reaches the meter: `register_deployments` makes each model_name an
# alias, with the endpoint, key and extra litellm_params every call to it uses. Values written `os.environ/NAME` are
# read from the environment when a call is made; keys are never stored in anything the harness writes.

ENV_PREFIX = "os.environ/"


@dataclass(frozen=True)
class Deployment:
    """One model of a litellm config: the alias users pass to --model and how the meter calls it."""

    alias: str                                   # model_name
    model: str                                   # litellm_params.model (a litellm name)
    api_base: str | None = None                  # a URL or "os.environ/NAME"
    api_key_env: str | None = None               # api_key: os.environ/NAME
    api_key: str | None = field(default=None, repr=False)   # a key written in the file itself (never shown)
    params: tuple[tuple[str, Any], ...] = ()     # other litellm_params passed to every call (api_version, ...)

    def env_names(self) -> list[str]:
        """Environment variables this deployment reads (its key and any other os.environ/ value)."""
        values = [self.api_base] + [v for _, v in self.params]
        names = [v[len(ENV_PREFIX):] for v in values if isinstance(v, str) and v.startswith(ENV_PREFIX)]
        return ([self.api_key_env] if self.api_key_env else []) + names

    def call_kwargs(self) -> dict[str, Any]:
        """api_base, api_key and the other litellm_params for litellm, os.environ/ values resolved now."""
        out = {k: _resolve(v) for k, v in self.params}
        if self.api_base:
            out["api_base"] = _resolve(self.api_base)
        key = os.environ.get(self.api_key_env) if self.api_key_env else self.api_key
        if key:
            out["api_key"] = key
        return out

    def secrets(self) -> list[str]:
        """Values to keep out of every log and report: the key and whatever else came from os.environ/."""
        values = [os.environ.get(n, "") for n in self.env_names()] + [self.api_key or ""]
        return [v for v in values if len(v) >= 4]


_DEPLOYMENTS: dict[str, Deployment] = {}   # by alias
_BY_MODEL: dict[str, Deployment] = {}      # by litellm name


def register_deployments(deployments: Iterable[Deployment]) -> None:
    """Make --llm-config's models known to this process (aliases, endpoints, keys); prices go through prices.py."""
    for d in deployments:
        _DEPLOYMENTS[d.alias] = d
        _BY_MODEL[d.model] = d


def deployment_of(model: str) -> Deployment | None:
    """The --llm-config deployment serving a resolved litellm name, if any."""
    return _BY_MODEL.get(model)


def redact(text: str) -> str:
    """`text` with the registered deployments' secrets and the values of *_API_KEY variables replaced by ***."""
    secrets = [s for d in _DEPLOYMENTS.values() for s in d.secrets()]
    secrets += [v for k, v in os.environ.items() if k.endswith("_API_KEY") and len(v) >= 8]
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _resolve(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(ENV_PREFIX):
        return os.environ.get(value[len(ENV_PREFIX):], "")
    return value
