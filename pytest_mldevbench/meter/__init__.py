"""The meter: a local metered LLM endpoint (OpenAI and Anthropic shapes) in front of litellm.

Agents talk only to the meter with a per-trial key; it forwards to the trial's model, writes a
JSONL ledger per trial and refuses calls past the trial's budget. Token, cost and step figures of
every trial come from that ledger.
"""
from .ledger import Usage, read_usage
from .models import (ALIASES, MissingApiKey, ModelConfigError, UnknownModel, check_api_key,
                     resolve_model)
from .prices import load_prices, unpriced, write_agent_prices
from .server import Meter

__all__ = ["ALIASES", "Meter", "MissingApiKey", "ModelConfigError", "UnknownModel", "Usage",
           "check_api_key", "load_prices", "read_usage", "resolve_model", "unpriced", "write_agent_prices"]
