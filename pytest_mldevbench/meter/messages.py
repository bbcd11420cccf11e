"""Anthropic messages (`/v1/messages`) through litellm: passed through to Anthropic, translated for others."""
from __future__ import annotations

import json

from aiohttp import web

from ._litellm import litellm
from .answer import EventStream, answer, one_line, tokens
from .calls import Call, TokenCounts, TrialState
from .sse import AnthropicUsage
from .transcript import anthropic_reply


async def messages_once(request: web.Request, trial: TrialState, kwargs: dict, call: Call) -> web.Response:
    resp = dict(await litellm().anthropic_messages(model=trial.model, **kwargs))
    content = json.dumps(resp.get("content") or [], default=str)
    call.tokens = await tokens(TokenCounts.from_anthropic(resp.get("usage") or {}), trial.model, kwargs,
                               lambda: content, chat_shape=False)
    call.reply_of = lambda: anthropic_reply(resp.get("content"))
    return await answer(request, call, web.json_response(resp))


async def messages_stream(request: web.Request, trial: TrialState, kwargs: dict,
                          call: Call) -> web.StreamResponse:
    pieces = await litellm().anthropic_messages(model=trial.model, stream=True, **kwargs)
    stream, parser, failure = EventStream(request), AnthropicUsage(), None
    await stream.open()
    try:
        async for piece in pieces:
            data = piece if isinstance(piece, bytes) else str(piece).encode()
            parser.feed(data)
            await stream.send(data)
    except Exception as exc:  # the backend failed mid-stream
        failure = exc
    call.tokens = await tokens(TokenCounts.from_anthropic(parser.usage), trial.model, kwargs,
                               lambda: "".join(parser.text), chat_shape=False)
    call.reply_of = lambda: anthropic_reply(parser.content())
    if failure is not None:
        err = {"type": "error", "error": {"type": "api_error", "message": one_line(failure)}}
        return await stream.fail(call, failure, b"event: error\ndata: " + json.dumps(err).encode() + b"\n\n")
    return await stream.end(call)
