"""The meter's HTTP routes (aiohttp): OpenAI chat completions, Anthropic messages, model list.

Every route authenticates the per-trial key, checks the trial's budget, forwards to the trial's model
(whatever model the request names) and records one ledger line per call. Chat completions for an
OpenAI-compatible server at `--llm-api-base` are relayed as they are (`relay.py`); every other backend
and the Anthropic shape go through litellm. Usage is the backend's own; where it sent none, an estimate
from the model's tokenizer (`estimate.py`), flagged in the ledger.
"""
from __future__ import annotations

import asyncio
import json
import os
from typing import Any, Callable

import aiohttp
from aiohttp import web

from ._litellm import litellm
from .budget import refusal
from .calls import Call, TokenCounts, TrialState
from .estimate import chat_reply_text, chunks_reply_text, estimate
from .models import OPENAI_COMPATIBLE, provider_of
from .relay import RELAY_PROVIDERS, BackendError, ChatEvents, RelayTarget, relay_target
from .sse import AnthropicUsage, loads

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
_DONE = b"data: [DONE]\n\n"


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


def _one_line(exc: BaseException) -> str:
    message = str(getattr(exc, "message", None) or exc)
    return message.splitlines()[0][:2000] if message.strip() else repr(exc)


def _key_of(request: web.Request) -> str:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key", "").strip()


def _carries_usage(chunk: Any) -> bool:
    """Whether a provider chunk (a dict or an object, OpenAI or Anthropic names) holds token counts."""
    usage = chunk.get("usage") if isinstance(chunk, dict) else getattr(chunk, "usage", None)
    if not usage:
        return False
    get = usage.get if isinstance(usage, dict) else (lambda k: getattr(usage, k, None))
    return any(isinstance(get(k), int) and get(k) > 0
               for k in ("prompt_tokens", "completion_tokens", "input_tokens", "output_tokens"))


def _watch_provider_usage(stream: Any) -> Callable[[], bool]:
    """Whether the provider itself sent usage in a litellm stream, asked at the stream's end.

    At the end of a stream without usage litellm computes figures of its own, indistinguishable from
    the provider's; every provider chunk passes the stream's `chunk_creator`, so the check looks there.
    """
    seen = [False]
    create = getattr(stream, "chunk_creator", None)
    if create is None:
        return lambda: False

    def watched(chunk: Any = None, **kw: Any) -> Any:
        seen[0] = seen[0] or _carries_usage(chunk)
        return create(chunk=chunk, **kw)

    stream.chunk_creator = watched
    return lambda: seen[0]


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
        """api_base/api_key for litellm: the override (if any), else litellm's own env lookup."""
        if not self.api_base:
            return {}
        key = self._api_key(model)
        return {"api_base": self.api_base, **({"api_key": key} if key else {})}

    def relay_for(self, model: str) -> RelayTarget | None:
        """Where chat completions of `model` are relayed; None: through litellm (decided once)."""
        if model not in self._relays:
            target = None
            if self.api_base:
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
            message = _one_line(exc)
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

    @staticmethod
    async def _tokens(reported: TokenCounts, model: str, body: dict, reply_text: Callable[[], str],
                      chat_shape: bool = True) -> TokenCounts:
        """The backend's figures, or (when it reported none) an estimate from the model's tokenizer,
        computed in a worker thread (loading a tokenizer the first time takes a moment)."""
        if reported.reported:
            return reported
        try:
            return await asyncio.to_thread(estimate, model, body, reply_text(), chat_shape)
        except Exception:  # no tokenizer at all: the call is still recorded, flagged
            return TokenCounts(estimated=True)

    @staticmethod
    async def _answer(request: web.Request, call: Call, response: web.Response) -> web.Response:
        """Send a complete answer, then record the call (settled first: the next call's budget check
        must see it, however soon it comes)."""
        call.settle()
        status = "ok"
        try:
            await response.prepare(request)
            await response.write_eof()
        except _CLIENT_GONE:
            status = "client_disconnected"
        call.finish(status)
        return response

    @staticmethod
    async def _prepare(out: web.StreamResponse, request: web.Request) -> bool:
        """Send a streaming response's headers; False when the client is already gone."""
        try:
            await out.prepare(request)
            return True
        except _CLIENT_GONE:
            return False

    @staticmethod
    async def _send(out: web.StreamResponse, data: bytes) -> bool:
        """Write to a streaming client; False once it is gone."""
        try:
            await out.write(data)
            return True
        except _CLIENT_GONE:
            return False

    @staticmethod
    async def _end(out: web.StreamResponse, data: bytes) -> None:
        try:
            if data:
                await out.write(data)
            await out.write_eof()
        except _CLIENT_GONE:
            pass

    # OpenAI chat completions ----------------------------------------------------------------------
    async def _chat(self, request: web.Request, trial: TrialState, body: dict,
                    call: Call) -> web.StreamResponse:
        kwargs = {k: v for k, v in body.items() if k in CHAT_FIELDS}
        target = self.relay_for(trial.model)
        if target is not None:
            return await (self._relay_stream(request, target, trial, body, kwargs, call) if call.stream
                          else self._relay_once(request, target, trial, kwargs, call))
        kwargs.update(self.backend(trial.model))
        if not call.stream:
            resp = await litellm().acompletion(model=trial.model, **kwargs)
            call.tokens = await self._tokens(TokenCounts.from_openai(resp.usage or {}), trial.model,
                                             kwargs, lambda: chat_reply_text(resp.model_dump()))
            return await self._answer(request, call, web.Response(text=resp.model_dump_json(),
                                                                  content_type="application/json"))
        return await self._litellm_stream(request, trial, body, kwargs, call)

    async def _relay_once(self, request: web.Request, target: RelayTarget, trial: TrialState, kwargs: dict,
                          call: Call) -> web.Response:
        resp = await target.post(self._client(), kwargs)
        try:
            raw = await resp.read()
        finally:
            resp.release()
        data = loads(raw)
        if not isinstance(data, dict):
            raise BackendError(502, "the backend's reply is not a JSON object")
        call.tokens = await self._tokens(TokenCounts.from_openai(data.get("usage") or {}), trial.model,
                                         kwargs, lambda: chat_reply_text(data))
        return await self._answer(request, call, web.Response(body=raw, content_type="application/json"))

    async def _relay_stream(self, request: web.Request, target: RelayTarget, trial: TrialState,
                            body: dict, kwargs: dict, call: Call) -> web.StreamResponse:
        resp = await target.post(self._client(), {**kwargs, "stream": True,
                                                  "stream_options": {"include_usage": True}})
        events = ChatEvents(want_usage=bool((body.get("stream_options") or {}).get("include_usage")))
        out = web.StreamResponse(headers=_SSE_HEADERS)
        client_ok, failure = True, None
        try:
            client_ok = await self._prepare(out, request)
            async for piece in resp.content.iter_any():
                data = events.feed(piece)
                if data and client_ok:  # after a disconnect keep reading: the backend bills it all
                    client_ok = await self._send(out, data)
            tail = events.end()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            failure, tail = exc, b""
        finally:
            resp.release()
        call.tokens = await self._tokens(TokenCounts.from_openai(events.usage or {}), trial.model,
                                         kwargs, lambda: chunks_reply_text(events.parsed_chunks()))
        if failure is not None:
            return await self._stream_failed(out, call, failure, client_ok)
        call.settle()  # before the end reaches the agent, which may call again at once
        if client_ok:
            await self._end(out, tail + _DONE)
        call.finish("ok" if client_ok else "client_disconnected")
        return out

    async def _litellm_stream(self, request: web.Request, trial: TrialState, body: dict,
                              kwargs: dict, call: Call) -> web.StreamResponse:
        want_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        stream = await litellm().acompletion(model=trial.model, stream=True,
                                             stream_options={"include_usage": True}, **kwargs)
        provider_sent_usage = _watch_provider_usage(stream)
        out = web.StreamResponse(headers=_SSE_HEADERS)
        await out.prepare(request)
        chunks, usage, client_ok, failure = [], None, True, None
        try:
            async for chunk in stream:
                data = chunk.model_dump(exclude_none=True)
                usage = data.pop("usage", None) or usage  # sent at the end, if the provider's own
                chunks.append(data)
                if not client_ok:
                    continue  # keep reading: the backend bills the whole answer
                if not any(ch.get("delta") or ch.get("finish_reason") for ch in data.get("choices") or []):
                    continue
                client_ok = await self._send(out, b"data: " + json.dumps(data).encode() + b"\n\n")
        except Exception as exc:  # the backend failed mid-stream: tell the client in-band
            failure = exc
        reported = TokenCounts.from_openai(usage) if usage and provider_sent_usage() else TokenCounts()
        call.tokens = await self._tokens(reported, trial.model, kwargs,
                                         lambda: chunks_reply_text(chunks))
        if failure is not None:
            return await self._stream_failed(out, call, failure, client_ok)
        call.settle()
        if client_ok:
            last = chunks[-1] if chunks else {}
            usage_chunk = {"id": last.get("id"), "object": "chat.completion.chunk", "created": last.get("created"),
                           "model": last.get("model"), "choices": [], "usage": usage}
            tail = b"data: " + json.dumps(usage_chunk).encode() + b"\n\n" if want_usage and reported.reported else b""
            await self._end(out, tail + _DONE)
        call.finish("ok" if client_ok else "client_disconnected")
        return out

    async def _stream_failed(self, out: web.StreamResponse, call: Call, exc: BaseException,
                             client_ok: bool) -> web.StreamResponse:
        call.finish("error", _one_line(exc))
        if client_ok and out.prepared:
            err = {"error": {"message": f"backend error: {_one_line(exc)}", "type": "api_error"}}
            await self._end(out, b"data: " + json.dumps(err).encode() + b"\n\n")
        return out

    # Anthropic messages -------------------------------------------------------------------------
    async def _messages(self, request: web.Request, trial: TrialState, body: dict,
                        call: Call) -> web.StreamResponse:
        kwargs = {k: v for k, v in body.items() if k in MESSAGES_FIELDS}
        kwargs.setdefault("max_tokens", 4096)
        kwargs.update(self.backend(trial.model))
        if not call.stream:
            resp = dict(await litellm().anthropic_messages(model=trial.model, **kwargs))
            content = json.dumps(resp.get("content") or [], default=str)
            call.tokens = await self._tokens(TokenCounts.from_anthropic(resp.get("usage") or {}),
                                             trial.model, kwargs, lambda: content, chat_shape=False)
            return await self._answer(request, call, web.json_response(resp))
        stream = await litellm().anthropic_messages(model=trial.model, stream=True, **kwargs)
        out = web.StreamResponse(headers=_SSE_HEADERS)
        await out.prepare(request)
        parser, client_ok, failure = AnthropicUsage(), True, None
        try:
            async for piece in stream:
                data = piece if isinstance(piece, bytes) else str(piece).encode()
                parser.feed(data)
                if client_ok:
                    client_ok = await self._send(out, data)
        except Exception as exc:
            failure = exc
        call.tokens = await self._tokens(TokenCounts.from_anthropic(parser.usage), trial.model, kwargs,
                                         lambda: "".join(parser.text), chat_shape=False)
        if failure is not None:
            call.finish("error", _one_line(failure))
            if client_ok:
                err = {"type": "error", "error": {"type": "api_error", "message": str(failure)}}
                await self._end(out, b"event: error\ndata: " + json.dumps(err).encode() + b"\n\n")
            return out
        call.settle()
        if client_ok:
            await self._end(out, b"")
        call.finish("ok" if client_ok else "client_disconnected")
        return out
