"""OpenAI chat completions: relayed as they are to an OpenAI-compatible server, or through litellm.

Either way the usage recorded is the backend's own; where it sent none, an estimate from the model's
tokenizer (flagged). A client that asked for usage on a stream gets the backend's usage chunk, never
figures made up in between.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, Callable

import aiohttp
from aiohttp import web

from ._litellm import litellm
from .answer import EventStream, answer, one_line, tokens
from .calls import Call, TokenCounts, TrialState
from .estimate import chat_reply_text, chunks_reply_text
from .relay import BackendError, ChatEvents, RelayTarget
from .sse import loads
from .transcript import chat_chunks_reply, chat_reply

DONE = b"data: [DONE]\n\n"


def _wants_usage(body: dict) -> bool:
    return bool((body.get("stream_options") or {}).get("include_usage"))


def _error_event(exc: BaseException) -> bytes:
    err = {"error": {"message": f"backend error: {one_line(exc)}", "type": "api_error"}}
    return b"data: " + json.dumps(err).encode() + b"\n\n"


async def relay_once(request: web.Request, session: aiohttp.ClientSession, target: RelayTarget,
                     trial: TrialState, kwargs: dict, call: Call) -> web.Response:
    resp = await target.post(session, kwargs)
    try:
        raw = await resp.read()
    finally:
        resp.release()
    data = loads(raw)
    if not isinstance(data, dict):
        raise BackendError(502, "the backend's reply is not a JSON object")
    call.tokens = await tokens(TokenCounts.from_openai(data.get("usage") or {}), trial.model, kwargs,
                               lambda: chat_reply_text(data))
    call.reply_of = lambda: chat_reply(data)
    return await answer(request, call, web.Response(body=raw, content_type="application/json"))


async def relay_stream(request: web.Request, session: aiohttp.ClientSession, target: RelayTarget,
                       trial: TrialState, body: dict, kwargs: dict, call: Call) -> web.StreamResponse:
    resp = await target.post(session, {**kwargs, "stream": True, "stream_options": {"include_usage": True}})
    events, stream, failure = ChatEvents(want_usage=_wants_usage(body)), EventStream(request), None
    try:
        await stream.open()
        async for piece in resp.content.iter_any():
            await stream.send(events.feed(piece))
        tail = events.end()
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        failure, tail = exc, b""
    finally:
        resp.release()
    call.tokens = await tokens(TokenCounts.from_openai(events.usage or {}), trial.model, kwargs,
                               lambda: chunks_reply_text(events.parsed_chunks()))
    call.reply_of = lambda: chat_chunks_reply(events.parsed_chunks())
    if failure is not None:
        return await stream.fail(call, failure, _error_event(failure))
    return await stream.end(call, tail + DONE)


async def litellm_once(request: web.Request, trial: TrialState, kwargs: dict, call: Call) -> web.Response:
    resp = await litellm().acompletion(model=trial.model, **kwargs)
    call.tokens = await tokens(TokenCounts.from_openai(resp.usage or {}), trial.model, kwargs,
                               lambda: chat_reply_text(resp.model_dump()))
    call.reply_of = lambda: chat_reply(resp.model_dump())
    return await answer(request, call, web.Response(text=resp.model_dump_json(), content_type="application/json"))


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


async def litellm_stream(request: web.Request, trial: TrialState, body: dict, kwargs: dict,
                         call: Call) -> web.StreamResponse:
    chunks_in = await litellm().acompletion(model=trial.model, stream=True,
                                            stream_options={"include_usage": True}, **kwargs)
    provider_sent_usage = _watch_provider_usage(chunks_in)
    stream, chunks, usage, failure = EventStream(request), [], None, None
    await stream.open()
    try:
        async for chunk in chunks_in:
            data = chunk.model_dump(exclude_none=True)
            usage = data.pop("usage", None) or usage  # sent at the end, if the provider's own
            chunks.append(data)
            if any(ch.get("delta") or ch.get("finish_reason") for ch in data.get("choices") or []):
                await stream.send(b"data: " + json.dumps(data).encode() + b"\n\n")
    except Exception as exc:  # the backend failed mid-stream
        failure = exc
    reported = TokenCounts.from_openai(usage) if usage and provider_sent_usage() else TokenCounts()
    call.tokens = await tokens(reported, trial.model, kwargs, lambda: chunks_reply_text(chunks))
    call.reply_of = lambda: chat_chunks_reply(chunks)
    if failure is not None:
        return await stream.fail(call, failure, _error_event(failure))
    tail = b""
    if _wants_usage(body) and reported.reported:
        last = chunks[-1] if chunks else {}
        tail = b"data: " + json.dumps({"id": last.get("id"), "object": "chat.completion.chunk",
                                       "created": last.get("created"), "model": last.get("model"),
                                       "choices": [], "usage": usage}).encode() + b"\n\n"
    return await stream.end(call, tail + DONE)
