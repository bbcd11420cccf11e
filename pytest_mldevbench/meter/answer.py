"""Answering the agent: errors in its API's shape, complete answers, event streams, and a call's tokens."""
from __future__ import annotations

import asyncio
from typing import Callable

from aiohttp import web

from .calls import Call, TokenCounts
from .estimate import estimate
from .models import redact

SSE_HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
CLIENT_GONE = (ConnectionError, RuntimeError)


def error(status: int, message: str, kind: str, anthropic: bool) -> web.Response:
    """An error in the caller's API shape."""
    body = ({"type": "error", "error": {"type": kind, "message": message}} if anthropic
            else {"error": {"message": message, "type": kind, "code": kind}})
    return web.json_response(body, status=status)


def one_line(exc: BaseException) -> str:
    """A backend failure in one line, with every known secret (deployment keys, *_API_KEY values) redacted."""
    message = str(getattr(exc, "message", None) or exc)
    return redact(message.splitlines()[0][:2000] if message.strip() else repr(exc))


def upstream_status(exc: BaseException) -> int:
    """HTTP status to answer for a backend failure; backend auth failures become 502 so the agent
    does not mistake them for its own key or a budget refusal."""
    status = getattr(exc, "status_code", None)
    if not isinstance(status, int) or not 400 <= status <= 599 or status in (401, 403):
        return 502
    return status


async def tokens(reported: TokenCounts, model: str, body: dict, reply_text: Callable[[], str],
                 chat_shape: bool = True) -> TokenCounts:
    """The backend's figures, or (when it reported none) an estimate from the model's tokenizer,
    computed in a worker thread (loading a tokenizer the first time takes a moment)."""
    if reported.reported:
        return reported
    try:
        return await asyncio.to_thread(estimate, model, body, reply_text(), chat_shape)
    except Exception:  # no tokenizer at all: the call is still recorded, flagged
        return TokenCounts(estimated=True)


async def answer(request: web.Request, call: Call, response: web.Response) -> web.Response:
    """Send a complete answer, then record the call (settled first: the next call's budget check must
    see it, however soon it comes)."""
    call.settle()
    status = "ok"
    try:
        await response.prepare(request)
        await response.write_eof()
    except CLIENT_GONE:
        status = "client_disconnected"
    call.finish(status)
    return response


class EventStream:
    """A server-sent event stream to the agent; once the agent is gone, writes are dropped (the meter
    keeps reading the backend, which bills the whole answer)."""

    def __init__(self, request: web.Request):
        self.request, self.out, self.client_ok = request, web.StreamResponse(headers=SSE_HEADERS), True

    async def open(self) -> None:
        try:
            await self.out.prepare(self.request)
        except CLIENT_GONE:
            self.client_ok = False

    async def send(self, data: bytes) -> None:
        if data and self.client_ok:
            try:
                await self.out.write(data)
            except CLIENT_GONE:
                self.client_ok = False

    async def close(self, data: bytes = b"") -> None:
        if self.client_ok and self.out.prepared:
            try:
                if data:
                    await self.out.write(data)
                await self.out.write_eof()
            except CLIENT_GONE:
                pass

    async def end(self, call: Call, tail: bytes = b"") -> web.StreamResponse:
        """The stream is complete: settle the call, send `tail` and the end, then record it."""
        call.settle()  # before the end reaches the agent, which may call again at once
        await self.close(tail)
        call.finish("ok" if self.client_ok else "client_disconnected")
        return self.out

    async def fail(self, call: Call, exc: BaseException, event: bytes) -> web.StreamResponse:
        """The backend failed mid-stream: record the call and tell the agent in-band (`event`)."""
        call.finish("error", one_line(exc))
        await self.close(event)
        return self.out
