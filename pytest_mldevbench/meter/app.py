"""The meter's HTTP routes (aiohttp): OpenAI chat completions, Anthropic messages, model list.

Every route authenticates the per-trial key, checks the trial's budget, forwards to the trial's
model through litellm (whatever model the request names) and records one ledger line per call.
"""
from __future__ import annotations

import asyncio
import json
import os
from typing import Any, Callable

from aiohttp import web

from ._litellm import litellm
from .budget import refusal
from .calls import Call, TokenCounts, TrialState
from .models import OPENAI_COMPATIBLE, deployment_of, provider_of, redact

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
_SSE_HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
_CLIENT_GONE = (ConnectionError, RuntimeError)


def _error(status: int, message: str, kind: str, anthropic: bool) -> web.Response:
    """An error in the caller's API shape."""
    body = ({"type": "error", "error": {"type": kind, "message": message}} if anthropic
            else {"error": {"message": message, "type": kind, "code": kind}})
    return web.json_response(body, status=status)


def _upstream_status(exc: BaseException) -> int:
    """HTTP status to answer for a backend failure; backend auth failures become 502 so the agent
    does not mistake them for its own key or a budget refusal."""
    status = getattr(exc, "status_code", None)
    if not isinstance(status, int) or not 400 <= status <= 599 or status in (401, 403):
        return 502
    return status


def _key_of(request: web.Request) -> str:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key", "").strip()


class SSEUsage:
    """Incremental parser of an Anthropic event stream that keeps the latest usage figures."""

    def __init__(self) -> None:
        self._buf = b""
        self.usage: dict[str, int] = {}

    def feed(self, data: bytes) -> None:
        self._buf += data
        *lines, self._buf = self._buf.split(b"\n")
        for line in lines:
            if not line.startswith(b"data:"):
                continue
            try:
                event = json.loads(line[5:])
            except ValueError:
                continue
            if not isinstance(event, dict):
                continue
            usage = (event.get("message") or {}).get("usage") if event.get("type") == "message_start" \
                else event.get("usage")
            for k, v in (usage or {}).items():
                if isinstance(v, int):  # figures are cumulative: keep the largest seen
                    self.usage[k] = max(self.usage.get(k, 0), v)


class MeterApp:
    """Routes bound to the meter's trial table and backend settings."""

    def __init__(self, trials: dict[str, TrialState], api_base: str | None):
        self.trials = trials
        self.api_base = api_base
        self._backends: dict[str, dict[str, Any]] = {}

    def build(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self.chat_completions)
        app.router.add_post("/chat/completions", self.chat_completions)
        app.router.add_post("/v1/messages", self.messages)
        app.router.add_get("/v1/models", self.models)
        return app

    # backend ----------------------------------------------------------------------------------
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
        if model not in self._backends:
            kwargs: dict[str, Any] = {"api_base": self.api_base}
            if provider_of(model) in OPENAI_COMPATIBLE:
                kwargs["api_key"] = os.environ.get("OPENAI_API_KEY") or "mldevbench-no-key"
            self._backends[model] = kwargs
        return dict(self._backends[model])

    # request plumbing ---------------------------------------------------------------------------
    async def _serve(self, request: web.Request, api: str,
                     forward: Callable[[TrialState, dict, Call], Any]) -> web.StreamResponse:
        anthropic = api == "messages"
        trial = self.trials.get(_key_of(request))
        if trial is None:
            return _error(401, "mldevbench meter: unknown or revoked trial key",
                          "authentication_error", anthropic)
        try:
            body = await request.json()
            assert isinstance(body, dict)
        except (ValueError, AssertionError):
            return _error(400, "request body must be a JSON object", "invalid_request_error",
                          anthropic)
        refused = refusal(trial.limits, trial.totals)
        if refused:
            budget, why = refused
            message = (f"mldevbench meter: LLM budget exhausted for this trial ({why}); "
                       "no further model calls will be answered, stop now")
            trial.refuse(api, budget, message)
            return _error(403, message, "budget_exhausted", anthropic)
        call = Call(trial, api, bool(body.get("stream")))
        task = asyncio.current_task()
        trial.tasks.add(task)
        try:
            return await forward(trial, body, call)
        except asyncio.CancelledError:
            call.finish("cancelled", "the trial was closed while this call was in flight")
            raise
        except Exception as exc:
            message = redact(str(getattr(exc, "message", None) or exc).splitlines()[0][:2000] or repr(exc))
            call.finish("error", message)
            return _error(_upstream_status(exc), f"backend error: {message}", "api_error", anthropic)
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
            return _error(401, "mldevbench meter: unknown or revoked trial key",
                          "authentication_error", False)
        return web.json_response({"object": "list", "data": [
            {"id": trial.model, "object": "model", "owned_by": "mldevbench-meter"}]})

    # OpenAI chat completions ----------------------------------------------------------------------
    async def _chat(self, request: web.Request, trial: TrialState, body: dict,
                    call: Call) -> web.StreamResponse:
        kwargs = {k: v for k, v in body.items() if k in CHAT_FIELDS}
        kwargs.update(self.backend(trial.model))
        if not call.stream:
            resp = await litellm().acompletion(model=trial.model, **kwargs)
            call.tokens = TokenCounts.from_openai(resp.usage or {})
            call.finish("ok")
            return web.Response(text=resp.model_dump_json(), content_type="application/json")
        want_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        stream = await litellm().acompletion(model=trial.model, stream=True,
                                             stream_options={"include_usage": True}, **kwargs)
        out = web.StreamResponse(headers=_SSE_HEADERS)
        await out.prepare(request)
        chunks, usage, client_ok = [], None, True
        try:
            async for chunk in stream:
                chunks.append(chunk)
                usage = getattr(chunk, "usage", None) or usage
                if not client_ok:
                    continue  # keep reading: the backend bills the whole answer
                data = chunk.model_dump(exclude_none=True)
                if not want_usage:
                    data.pop("usage", None)
                    if not any(ch.get("delta") or ch.get("finish_reason")
                               for ch in data.get("choices") or []):
                        continue
                try:
                    await out.write(b"data: " + json.dumps(data).encode() + b"\n\n")
                except _CLIENT_GONE:
                    client_ok = False
        except Exception as exc:  # the backend failed mid-stream: tell the client in-band
            call.tokens = self._stream_tokens(usage, chunks, kwargs)
            text = redact(str(exc) or repr(exc))
            call.finish("error", text.splitlines()[0][:2000])
            if client_ok:
                err = {"error": {"message": f"backend error: {text}", "type": "api_error"}}
                await self._try_write(out, b"data: " + json.dumps(err).encode() + b"\n\n")
            return out
        call.tokens = self._stream_tokens(usage, chunks, kwargs)
        call.finish("ok" if client_ok else "client_disconnected")
        if client_ok:
            await self._try_write(out, b"data: [DONE]\n\n")
        return out

    @staticmethod
    def _stream_tokens(usage: Any, chunks: list, kwargs: dict) -> TokenCounts:
        """Usage the backend reported; else litellm's estimate from the chunks (flagged)."""
        if usage:
            return TokenCounts.from_openai(usage)
        if not chunks:
            return TokenCounts()
        try:
            built = litellm().stream_chunk_builder(chunks, messages=kwargs.get("messages"))
            counts = TokenCounts.from_openai(built.usage)
        except Exception:
            counts = TokenCounts()
        counts.estimated = True
        return counts

    @staticmethod
    async def _try_write(out: web.StreamResponse, data: bytes) -> None:
        try:
            await out.write(data)
            await out.write_eof()
        except _CLIENT_GONE:
            pass

    # Anthropic messages -------------------------------------------------------------------------
    async def _messages(self, request: web.Request, trial: TrialState, body: dict,
                        call: Call) -> web.StreamResponse:
        kwargs = {k: v for k, v in body.items() if k in MESSAGES_FIELDS}
        kwargs.setdefault("max_tokens", 4096)
        kwargs.update(self.backend(trial.model))
        if not call.stream:
            resp = await litellm().anthropic_messages(model=trial.model, **kwargs)
            resp = dict(resp)
            call.tokens = TokenCounts.from_anthropic(resp.get("usage") or {})
            call.finish("ok")
            return web.json_response(resp)
        stream = await litellm().anthropic_messages(model=trial.model, stream=True, **kwargs)
        out = web.StreamResponse(headers=_SSE_HEADERS)
        await out.prepare(request)
        parser, client_ok = SSEUsage(), True
        try:
            async for piece in stream:
                data = piece if isinstance(piece, bytes) else str(piece).encode()
                parser.feed(data)
                if client_ok:
                    try:
                        await out.write(data)
                    except _CLIENT_GONE:
                        client_ok = False
        except Exception as exc:
            call.tokens = TokenCounts.from_anthropic(parser.usage)
            text = redact(str(exc) or repr(exc))
            call.finish("error", text.splitlines()[0][:2000])
            if client_ok:
                err = {"type": "error", "error": {"type": "api_error", "message": text}}
                await self._try_write(out, b"event: error\ndata: " + json.dumps(err).encode() + b"\n\n")
            return out
        call.tokens = TokenCounts.from_anthropic(parser.usage)
        call.finish("ok" if client_ok else "client_disconnected")
        if client_ok:
            await self._try_write(out, b"")
        return out
