"""The meter's HTTP routes (aiohttp): OpenAI chat completions, Anthropic messages, model list.

Every route authenticates the per-trial key, checks the trial's budget, forwards to the trial's model
(whatever model the request names: `chat.py`, `messages.py`) and records one ledger line per call.
Chat completions for an OpenAI-compatible server at `--llm-api-base` are relayed as they are
(`relay.py`); every other backend and the Anthropic shape go through litellm.
"""
from __future__ import annotations

import asyncio
import os
from typing import Any, Callable

import aiohttp
from aiohttp import web

from ._litellm import litellm
from .answer import error, one_line, upstream_status
from .budget import refusal
from .calls import Call, TrialState
from .chat import litellm_once, litellm_stream, relay_once, relay_stream
from .messages import messages_once, messages_stream
from .models import OPENAI_COMPATIBLE, deployment_of, provider_of
from .relay import RELAY_PROVIDERS, RelayTarget, relay_target

# request fields forwarded to the backend; anything else (api_base, mock_response, ...) is dropped
CHAT_FIELDS = frozenset({
    "messages", "tools", "tool_choice", "parallel_tool_calls", "temperature", "top_p", "max_tokens",
    "max_completion_tokens", "stop", "n", "presence_penalty", "frequency_penalty", "seed",
    "response_format", "logprobs", "top_logprobs", "logit_bias", "reasoning_effort", "user",
    "functions", "function_call", "thinking",
})
MESSAGES_FIELDS = frozenset({
    "messages", "system", "max_tokens", "tools", "tool_choice", "temperature", "top_p", "top_k",
    "stop_sequences", "metadata", "thinking",
})


def _key_of(request: web.Request) -> str:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key", "").strip()


class MeterApp:
    """Routes bound to the meter's trial table and backend settings."""

    def __init__(self, trials: dict[str, TrialState], api_base: str | None):
        self.trials = trials
        self.api_base = api_base
        self._relays: dict[str, RelayTarget | None] = {}
        self._session: aiohttp.ClientSession | None = None

    def build(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self.chat_completions)
        app.router.add_post("/chat/completions", self.chat_completions)
        app.router.add_post("/v1/messages", self.messages)
        app.router.add_get("/v1/models", self.models)
        app.on_cleanup.append(self._close_session)
        return app

    # backend ----------------------------------------------------------------------------------
    def _api_key(self, model: str) -> str | None:
        if provider_of(model) in OPENAI_COMPATIBLE:
            return os.environ.get("OPENAI_API_KEY") or "mldevbench-no-key"
        return None

    def backend(self, model: str) -> dict[str, Any]:
        """api_base/api_key for litellm: the model's --llm-config deployment, the override (if any), else
        litellm's own env lookup."""
        deployment = deployment_of(model)
        if deployment is not None:  # not cached: os.environ/ values are read at each call
            kwargs = deployment.call_kwargs()
            api_base = kwargs.setdefault("api_base", self.api_base) if self.api_base else kwargs.get("api_base")
            if api_base and "api_key" not in kwargs and provider_of(model) in OPENAI_COMPATIBLE:
                kwargs["api_key"] = os.environ.get("OPENAI_API_KEY") or "mldevbench-no-key"
            return kwargs
        if not self.api_base:
            return {}
        key = self._api_key(model)
        return {"api_base": self.api_base, **({"api_key": key} if key else {})}

    def relay_for(self, model: str) -> RelayTarget | None:
        """Where chat completions of `model` are relayed; None: through litellm (decided once)."""
        if model not in self._relays:
            target = None
            if self.api_base and deployment_of(model) is None:  # a --llm-config deployment goes through litellm
                name, provider = litellm().get_llm_provider(model)[:2]
                if provider in RELAY_PROVIDERS:
                    target = relay_target(self.api_base, self._api_key(model) or "", name)
            self._relays[model] = target
        return self._relays[model]

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:  # on the meter's loop, at its first relayed call
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        return self._session

    async def _close_session(self, app: web.Application) -> None:
        if self._session is not None:
            await self._session.close()

    # request plumbing ---------------------------------------------------------------------------
    async def _serve(self, request: web.Request, api: str,
                     forward: Callable[[TrialState, dict, Call], Any]) -> web.StreamResponse:
        anthropic = api == "messages"
        trial = self.trials.get(_key_of(request))
        if trial is None:
            return error(401, "mldevbench meter: unknown or revoked trial key",
                          "authentication_error", anthropic)
        try:
            body = await request.json()
            assert isinstance(body, dict)
        except (ValueError, AssertionError):
            return error(400, "request body must be a JSON object", "invalid_request_error",
                          anthropic)
        refused = refusal(trial.limits, trial.totals)
        if refused:
            budget, why = refused
            message = (f"mldevbench meter: LLM budget exhausted for this trial ({why}); "
                       "no further model calls will be answered, stop now")
            trial.refuse(api, budget, message, body)
            return error(403, message, "budget_exhausted", anthropic)
        call = Call(trial, api, bool(body.get("stream")))
        call.body = body
        task = asyncio.current_task()
        trial.tasks.add(task)
        try:
            return await forward(trial, body, call)
        except asyncio.CancelledError:
            call.finish("cancelled", "the trial was closed while this call was in flight")
            raise
        except Exception as exc:
            message = one_line(exc)
            call.finish("error", message)
            return error(upstream_status(exc), f"backend error: {message}", "api_error", anthropic)
        finally:
            call.finish("cancelled", "the call ended without a result")  # no-op when finished
            trial.tasks.discard(task)

    async def chat_completions(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, "chat", lambda t, b, c: self._chat(request, t, b, c))

    async def messages(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, "messages", lambda t, b, c: self._messages(request, t, b, c))

    async def models(self, request: web.Request) -> web.Response:
        trial = self.trials.get(_key_of(request))
        if trial is None:
            return error(401, "mldevbench meter: unknown or revoked trial key",
                          "authentication_error", False)
        return web.json_response({"object": "list", "data": [
            {"id": trial.model, "object": "model", "owned_by": "mldevbench-meter"}]})

    # forwarding ---------------------------------------------------------------------------------
    async def _chat(self, request: web.Request, trial: TrialState, body: dict,
                    call: Call) -> web.StreamResponse:
        kwargs = {k: v for k, v in body.items() if k in CHAT_FIELDS}
        target = self.relay_for(trial.model)
        if target is not None:
            if call.stream:
                return await relay_stream(request, self._client(), target, trial, body, kwargs, call)
            return await relay_once(request, self._client(), target, trial, kwargs, call)
        kwargs.update(self.backend(trial.model))
        if call.stream:
            return await litellm_stream(request, trial, body, kwargs, call)
        return await litellm_once(request, trial, kwargs, call)

    async def _messages(self, request: web.Request, trial: TrialState, body: dict,
                        call: Call) -> web.StreamResponse:
        kwargs = {k: v for k, v in body.items() if k in MESSAGES_FIELDS}
        kwargs.setdefault("max_tokens", 4096)
        kwargs.update(self.backend(trial.model))
        if call.stream:
            return await messages_stream(request, trial, kwargs, call)
        return await messages_once(request, trial, kwargs, call)
