"""The one place that imports litellm: offline (price table, tokenizers), quiet, configured for the meter."""
from __future__ import annotations

import os
from functools import lru_cache
from types import ModuleType


@lru_cache(maxsize=1)
def litellm() -> ModuleType:
    """Import and configure litellm once (lazily: importing it takes seconds)."""
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # never fetch the price table
    os.environ["LITELLM_OFFLINE_MODE"] = "true"  # nor tokenizers: only those litellm ships are used
    os.environ.setdefault("LITELLM_LOG", "ERROR")
    import litellm as _litellm

    _litellm.telemetry = False
    _litellm.suppress_debug_info = True
    _litellm.drop_params = True  # an agent's provider-specific extras must not fail the call
    # Anthropic-shaped calls to OpenAI-compatible backends go to /chat/completions, which every
    # OpenAI-compatible server has (not every one has /responses).
    _litellm.use_chat_completions_url_for_anthropic_messages = True
    return _litellm
