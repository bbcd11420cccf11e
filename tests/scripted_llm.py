"""A scripted LLM server for tests: real HTTP on 127.0.0.1, replays a script of replies.

Test-only: product code never imports this module.

It speaks the OpenAI ``POST /v1/chat/completions`` shape (streaming and not) and the Anthropic
``POST /v1/messages`` shape (not streaming), answering the n-th request with the n-th reply of its
script, whatever the request says. Every request is recorded in ``server.requests``.

With ``per_conversation=True`` (the command line's default) each conversation replays the script
from its start: a request without assistant turns starts a conversation, and later requests are
matched to it by their opening (the messages before the first assistant turn). Sequential
trials, or parallel trials of different tasks, can then share one server.

A reply is a dict (so a script can also be a JSON file):

    {"content": "text or null",
     "tool_calls": [{"name": "write_file", "arguments": {"path": "a.py", "content": "..."}}],
     "usage": {"prompt_tokens": 120, "completion_tokens": 30, "cached_tokens": 0,
               "cache_creation_tokens": 0},
     "delay_s": 0.0,            # before answering
     "chunk_delay_s": 0.0,      # between streamed chunks
     "report_usage": true,      # false: no usage at all, as backends that ignore stream_options
     "error": {"status": 500, "message": "boom"}}   # answer with an error instead

``prompt_tokens`` counts every input token, cached ones included (litellm's convention); the
Anthropic shape reports ``input_tokens`` without the cached and cache-creation parts, as Anthropic
does. Usage defaults to 100 prompt and 20 completion tokens.

Routes: one server for several agents and tasks in one session. ``ScriptedLLM(routes=[...])`` (or
``load_routes(path)`` for a JSON file such as ``tests/scripted_llm/routes.json``) picks each request's
script from the request itself, first matching route wins:

    {"name": "openhands_hello_world",
     "script": "openhands_hello_world.json",   # a file next to the routes file, or the list inline
     "tools": ["terminal", "file_editor"],     # these tool names are all offered in the request
     "text": ["Hello, World!"],                # these strings all occur in the conversation's opening
     "per_trial": "working directory is `([^`]+)`"}   # optional, see below

A route without ``per_trial`` replays its script once per conversation (as above). With ``per_trial``
every request of a trial continues one reply sequence, whatever conversation it belongs to (AIDE asks
its code and feedback models in fresh single-turn conversations): the regex's first group, searched in
the opening, names the trial (e.g. its workspace path). A request no route matches is answered 400 and
recorded in ``server.unrouted``; ``server.served_by_route[name]`` lists the replies a route sent.

Command line (for end-to-end runs through the harness):

    python tests/scripted_llm.py SCRIPT.json [--port-file PATH] [--single]
    python tests/scripted_llm.py --routes ROUTES.json [--port-file PATH]

prints ``http://127.0.0.1:PORT/v1`` and serves until killed.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any

DEFAULT_USAGE = {"prompt_tokens": 100, "completion_tokens": 20, "cached_tokens": 0,
                 "cache_creation_tokens": 0}


def reply_usage(reply: dict) -> dict:
    """The usage a reply reports, defaults filled in."""
    return {**DEFAULT_USAGE, **reply.get("usage", {})}


def text_reply(content: str, **usage: int) -> dict:
    """A reply that only says `content`."""
    return {"content": content, "usage": {**DEFAULT_USAGE, **usage}}


def tool_reply(name: str, arguments: dict, content: str | None = None, **usage: int) -> dict:
    """A reply that calls one tool."""
    return {"content": content, "tool_calls": [{"name": name, "arguments": arguments}],
            "usage": {**DEFAULT_USAGE, **usage}}


@dataclass
class Route:
    """Which requests a script answers (see the module docstring)."""
    name: str
    script: list[dict]
    tools: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    per_trial: str | None = None

    def matches(self, tool_names: set[str], opening: str) -> bool:
        return set(self.tools) <= tool_names and all(t in opening for t in self.text)

    def trial_of(self, opening: str) -> str:
        found = re.search(self.per_trial or "", opening)
        if found is None:
            raise ValueError(f"route {self.name}: per_trial pattern {self.per_trial!r} not in the request")
        return found.group(1) if found.re.groups else found.group(0)


def load_routes(path: Path) -> list[Route]:
    """Routes from a JSON list; a route's "script" may name a JSON file next to `path`."""
    routes = []
    for entry in json.loads(Path(path).read_text()):
        script = entry["script"]
        if isinstance(script, str):
            script = json.loads((Path(path).parent / script).read_text())
        routes.append(Route(name=entry["name"], script=script, tools=entry.get("tools", []),
                            text=entry.get("text", []), per_trial=entry.get("per_trial")))
    return routes


def _text(content: Any) -> str:
    """The text of a message content (a string, or a list of parts) or a system field."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_text(p.get("text", "") if isinstance(p, dict) else p) for p in content)
    return "" if content is None else str(content)


def _tool_names(body: dict) -> set[str]:
    names = set()
    for tool in body.get("tools") or []:
        fn = tool.get("function") if isinstance(tool.get("function"), dict) else tool
        if fn.get("name"):
            names.add(fn["name"])
    return names


class ScriptedLLM:
    """Serve `script` (or `routes`) on an ephemeral loopback port; a context manager or start()/stop()."""

    def __init__(self, script: list[dict] | None = None, model_name: str = "scripted",
                 per_conversation: bool = False, routes: list[Route] | None = None):
        if (script is None) == (routes is None):
            raise ValueError("give a script or routes")
        self.script = list(script or [])
        self.routes = list(routes or [])
        self.model_name = model_name
        self.per_conversation = per_conversation or bool(routes)
        self.requests: list[dict[str, Any]] = []
        self.served: list[dict] = []   # replies actually sent (error replies excluded)
        self.served_by_route: dict[str, list[dict]] = {r.name: [] for r in self.routes}
        self.unrouted: list[dict] = []  # request bodies no route matched
        self._lock = threading.Lock()
        self._cursors: dict[str, int] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -----------------------------------------------------------------------------
    def start(self) -> "ScriptedLLM":
        handler = type("Handler", (_Handler,), {"llm": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name="scripted-llm")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "ScriptedLLM":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """OpenAI-style base URL, ending in /v1."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def root_url(self) -> str:
        """Anthropic-style base URL (no /v1)."""
        return f"http://127.0.0.1:{self.port}"

    # script --------------------------------------------------------------------------------
    def _conversation(self, body: dict, route: Route | None) -> str:
        if not self.per_conversation:
            return ""
        messages = body.get("messages") or []
        first_reply = next((i for i, m in enumerate(messages) if m.get("role") == "assistant"),
                           None)
        opening = messages[:first_reply]  # what came before the model's first turn
        if route is not None and route.per_trial:
            return json.dumps(["trial", route.name, route.trial_of(_opening_text(body))])
        key = json.dumps([route and route.name, body.get("system"), opening], sort_keys=True,
                         default=str)
        if first_reply is None:
            self._cursors.pop(key, None)  # a new conversation replays from the start
        return key

    def _route(self, body: dict) -> Route | None:
        names, opening = _tool_names(body), _opening_text(body)
        return next((r for r in self.routes if r.matches(names, opening)), None)

    def _take(self, path: str, headers: dict, body: dict) -> tuple[dict | None, str]:
        """The reply to send, or None and why not."""
        with self._lock:
            route = self._route(body) if self.routes else None
            self.requests.append({"path": path, "headers": headers, "body": body,
                                  "route": route and route.name})
            if self.routes and route is None:
                self.unrouted.append(body)
                return None, "scripted LLM: no route matches this request"
            try:
                key = self._conversation(body, route)
            except ValueError as exc:
                return None, f"scripted LLM: {exc}"
            script = route.script if route is not None else self.script
            n = self._cursors.get(key, 0)
            if n >= len(script):
                return None, "scripted LLM: script exhausted"
            reply = script[n]
            self._cursors[key] = n + 1
            if "error" not in reply:
                self.served.append(reply)
                if route is not None:
                    self.served_by_route[route.name].append(reply)
            return reply, ""


def _opening_text(body: dict) -> str:
    """System prompt and messages before the model's first turn, as plain text."""
    parts = [_text(body.get("system"))]
    for m in body.get("messages") or []:
        if m.get("role") == "assistant":
            break
        parts.append(_text(m.get("content")))
    return "\n".join(parts)


def _openai_message(reply: dict) -> dict:
    msg: dict[str, Any] = {"role": "assistant", "content": reply.get("content")}
    calls = reply.get("tool_calls") or []
    if calls:
        msg["tool_calls"] = [
            {"id": c.get("id", f"call_{i}_{uuid.uuid4().hex[:8]}"), "type": "function",
             "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])}}
            for i, c in enumerate(calls)]
    return msg


def _openai_usage(reply: dict) -> dict:
    u = reply_usage(reply)
    return {"prompt_tokens": u["prompt_tokens"], "completion_tokens": u["completion_tokens"],
            "total_tokens": u["prompt_tokens"] + u["completion_tokens"],
            "prompt_tokens_details": {"cached_tokens": u["cached_tokens"]}}


def _anthropic_message(reply: dict, model: str) -> dict:
    u = reply_usage(reply)
    content: list[dict] = []
    if reply.get("content"):
        content.append({"type": "text", "text": reply["content"]})
    for i, c in enumerate(reply.get("tool_calls") or []):
        content.append({"type": "tool_use", "id": c.get("id", f"toolu_{i}_{uuid.uuid4().hex[:8]}"),
                        "name": c["name"], "input": c["arguments"]})
    fresh = u["prompt_tokens"] - u["cached_tokens"] - u["cache_creation_tokens"]
    return {"id": f"msg_{uuid.uuid4().hex[:12]}", "type": "message", "role": "assistant",
            "model": model, "content": content,
            "stop_reason": "tool_use" if reply.get("tool_calls") else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": fresh, "output_tokens": u["completion_tokens"],
                      "cache_read_input_tokens": u["cached_tokens"],
                      "cache_creation_input_tokens": u["cache_creation_tokens"]}}


def _pieces(text: str, size: int = 7) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def _openai_chunks(reply: dict, model: str, include_usage: bool) -> list[dict]:
    cid, created = f"chatcmpl-{uuid.uuid4().hex[:12]}", int(time.time())

    def chunk(delta: dict, finish: str | None = None) -> dict:
        return {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    out = [chunk({"role": "assistant", "content": ""})]
    if reply.get("content"):
        out += [chunk({"content": p}) for p in _pieces(reply["content"])]
    for i, call in enumerate(_openai_message(reply).get("tool_calls", [])):
        fn = call["function"]
        out.append(chunk({"tool_calls": [{"index": i, "id": call["id"], "type": "function",
                                          "function": {"name": fn["name"], "arguments": ""}}]}))
        out += [chunk({"tool_calls": [{"index": i, "function": {"arguments": p}}]})
                for p in _pieces(fn["arguments"], 11)]
    out.append(chunk({}, "tool_calls" if reply.get("tool_calls") else "stop"))
    if include_usage and reply.get("report_usage", True):
        out.append({"id": cid, "object": "chat.completion.chunk", "created": created,
                    "model": model, "choices": [], "usage": _openai_usage(reply)})
    return out


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    llm: ScriptedLLM

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _send_json(self, status: int, obj: dict) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            self._send_json(200, {"object": "list",
                                  "data": [{"id": self.llm.model_name, "object": "model"}]})
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        path = self.path.split("?")[0].rstrip("/")
        if path not in ("/v1/chat/completions", "/chat/completions", "/v1/messages"):
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply, why = self.llm._take(path, headers, body)
        if reply is None:
            self._send_json(400, {"error": {"message": why, "type": "invalid_request_error"}})
            return
        time.sleep(reply.get("delay_s", 0))
        if "error" in reply:
            err = reply["error"]
            self._send_json(err.get("status", 500), {"error": {"message": err.get("message", "error"),
                                                               "type": "server_error"}})
            return
        model = body.get("model") or self.llm.model_name
        if path == "/v1/messages":
            self._send_json(200, _anthropic_message(reply, model))
        elif body.get("stream"):
            include = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream(_openai_chunks(reply, model, include), reply.get("chunk_delay_s", 0))
        else:
            answer = {"id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion",
                      "created": int(time.time()), "model": model,
                      "choices": [{"index": 0, "message": _openai_message(reply),
                                   "finish_reason": "tool_calls" if reply.get("tool_calls") else "stop"}]}
            if reply.get("report_usage", True):
                answer["usage"] = _openai_usage(reply)
            self._send_json(200, answer)

    def _stream(self, chunks: list[dict], delay: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            for c in chunks:
                self.wfile.write(f"data: {json.dumps(c)}\n\n".encode())
                self.wfile.flush()
                if delay:
                    time.sleep(delay)
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("script", type=Path, nargs="?", help="JSON list of replies")
    ap.add_argument("--routes", type=Path, help="JSON list of routes (instead of one script)")
    ap.add_argument("--port-file", type=Path, help="write the port here once listening")
    ap.add_argument("--single", action="store_true",
                    help="one script for all requests instead of one per conversation")
    args = ap.parse_args(argv)
    if (args.script is None) == (args.routes is None):
        ap.error("give SCRIPT.json or --routes ROUTES.json")
    if args.routes:
        server = ScriptedLLM(routes=load_routes(args.routes)).start()
    else:
        server = ScriptedLLM(json.loads(args.script.read_text()),
                             per_conversation=not args.single).start()
    if args.port_file:
        args.port_file.write_text(str(server.port))
    print(server.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
