"""Relay: chat completions sent as they are to an OpenAI-compatible server at `--llm-api-base`.

Such a backend (self-hosted, vLLM, a gateway) needs no translation, so the meter forwards the request with
its own HTTP client instead of litellm, whose per-call bookkeeping took longer than the whole relay
(`benchmarks/meter_latency.py`), and reads usage from the bytes the backend sent. Every other backend
(Anthropic, Gemini, OpenAI's own API with its per-model parameter rules, ...) goes through litellm.
"""
from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp

from .sse import EventSplitter, data_of, loads

#: litellm providers that speak OpenAI chat completions unchanged at a custom base URL
RELAY_PROVIDERS = frozenset({"openai", "custom_openai", "openai_like", "hosted_vllm", "lm_studio",
                             "llamafile"})
TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=600)


class BackendError(Exception):
    """The backend answered with an error status (its message, one line)."""

    def __init__(self, status_code: int, message: str):
        super().__init__(message)
        self.status_code, self.message = status_code, message


@dataclass(frozen=True)
class RelayTarget:
    """Where a model's chat completions go: URL, headers and the name the backend knows it by."""

    url: str
    headers: dict
    model: str
    proxy: str | None = None  # HTTP(S)_PROXY for this URL (looked up once, not on every call)

    async def post(self, session: aiohttp.ClientSession, body: dict) -> aiohttp.ClientResponse:
        """POST `body` (model name set here); the response, once its headers show success."""
        resp = await session.post(self.url, data=json.dumps({**body, "model": self.model}),
                                  headers=self.headers, proxy=self.proxy, timeout=TIMEOUT)
        if resp.status != 200:
            text = await resp.text(errors="replace")
            resp.release()
            err = loads(text.encode()) if text else None
            message = (err.get("error") or {}).get("message") if isinstance(err, dict) and \
                isinstance(err.get("error"), dict) else None
            raise BackendError(resp.status, (message or text or f"HTTP {resp.status}").splitlines()[0][:2000])
        return resp


def _env_proxy(url: str) -> str | None:
    """The proxy the environment names for `url` (as litellm's HTTP client would use); never for loopback."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not host or loopback or proxy_bypass(host):
        return None
    return getproxies().get(parts.scheme)


def relay_target(api_base: str, api_key: str, model: str) -> RelayTarget:
    url = api_base.rstrip("/") + "/chat/completions"
    return RelayTarget(url=url, model=model, proxy=_env_proxy(url),
                       headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"})


class ChatEvents:
    """A backend's chat-completion event stream as the client gets it, and the usage it reported.

    The meter always asks the backend for usage; a client that did not ask gets the stream without it.
    The backend's ``[DONE]`` is held back: the meter sends it once the call is recorded.
    """

    def __init__(self, want_usage: bool):
        self.want_usage = want_usage
        self.usage: dict | None = None
        self.chunks: list[bytes] = []  # every chunk's JSON, for an estimate when no usage came
        self._events = EventSplitter()

    def feed(self, piece: bytes) -> bytes:
        return self._forward(self._events.feed(piece))

    def end(self) -> bytes:
        return self._forward(self._events.rest())

    def _forward(self, events: list[bytes]) -> bytes:
        out = []
        for event in events:
            data = data_of(event)
            if data == b"[DONE]":
                continue
            if data:
                self.chunks.append(data)
                if b'"usage"' in data:
                    chunk = loads(data)
                    if isinstance(chunk, dict) and "usage" in chunk:
                        if isinstance(chunk["usage"], dict):
                            self.usage = chunk["usage"]
                        if not self.want_usage:
                            if not chunk.get("choices"):
                                continue  # the usage-only chunk the client did not ask for
                            del chunk["usage"]
                            event = b"data: " + json.dumps(chunk).encode()
            out.append(event + b"\n\n")
        return b"".join(out)

    def parsed_chunks(self) -> list[dict]:
        return [c for c in map(loads, self.chunks) if isinstance(c, dict)]
