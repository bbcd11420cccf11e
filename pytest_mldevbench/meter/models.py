"""Model aliases, provider lookup and the up-front API key check."""
from __future__ import annotations

import os

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
    """Map an alias (``sonnet``) to its litellm name; any other name passes through."""
    return ALIASES.get(name.strip(), name.strip())


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
    provider = provider_of(model)
    if api_base and provider in OPENAI_COMPATIBLE:
        return
    env = litellm().validate_environment(model=model)
    missing = [k for k in env.get("missing_keys", []) if not os.environ.get(k)]
    if not env.get("keys_in_environment") and missing:
        names = " and ".join(missing)
        raise MissingApiKey(f"model {model} needs an API key: set {names} in the environment")
