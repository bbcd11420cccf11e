"""Meter: the metering endpoint served from a background thread of the harness process."""
from __future__ import annotations

import asyncio
import secrets
import socket
import threading
from pathlib import Path

from aiohttp import web

from .app import MeterApp
from .budget import Limits
from .calls import TrialState
from .ledger import Ledger, Usage, read_usage
from .models import resolve_model
from .prices import has_price, load_prices
from .transcript import Transcript


TRANSCRIPT = "llm_transcript.jsonl"  # beside each trial's ledger


class Meter:
    """A loopback OpenAI/Anthropic-compatible endpoint that forwards through litellm and meters.

    One per process. Each trial gets its own key, model, budget and JSONL ledger.
    """

    def __init__(self, api_base: str | None = None, unix_socket: Path | None = None):
        self.api_base = api_base
        self.unix_socket = Path(unix_socket) if unix_socket else None
        self._trials: dict[str, TrialState] = {}
        self._app = MeterApp(self._trials, api_base)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="mldevbench-meter")
        self._runner: web.AppRunner | None = None
        self.port = 0

    @classmethod
    def start(cls, api_base: str | None = None, prices_file: Path | str | None = None,
              unix_socket: Path | str | None = None) -> "Meter":
        """Start serving on 127.0.0.1 (ephemeral port) and optionally on a Unix socket.

        api_base: backend base URL override (a scripted or self-hosted OpenAI-compatible server).
        prices_file: JSON of custom model prices, registered with litellm (see prices.load_prices).
        """
        if prices_file:
            load_prices(prices_file)
        meter = cls(api_base, Path(unix_socket) if unix_socket else None)
        meter._thread.start()
        asyncio.run_coroutine_threadsafe(meter._serve(), meter._loop).result(timeout=60)
        return meter

    async def _serve(self) -> None:
        self._runner = web.AppRunner(self._app.build(), access_log=None,
                                     handler_cancellation=False)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        if self.unix_socket:
            await web.UnixSite(self._runner, str(self.unix_socket)).start()

    @property
    def openai_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def open_trial(self, trial_id: str, model: str, ledger: Path, max_cost_usd: float | None = None,
                   max_tokens: int | None = None, max_steps: int | None = None) -> str:
        """Register a trial and return its key. Its ledger file starts empty, and so does its transcript
        (`llm_transcript.jsonl` beside the ledger: what was said, call by call).

        model: a litellm name (aliases are resolved). max_steps counts LLM calls: call number
        max_steps+1 is refused like a budget refusal. A cost budget needs a priced model.
        """
        model = resolve_model(model)
        if max_cost_usd is not None and not has_price(model):
            raise ValueError(f"model {model} has no price, so a cost budget cannot be enforced: "
                             "register one with a prices file")
        key = f"mldb-{secrets.token_urlsafe(24)}"
        limits = Limits(max_cost_usd=max_cost_usd, max_tokens=max_tokens, max_steps=max_steps)
        state = TrialState(trial_id=trial_id, key=key, model=model, ledger=Ledger(ledger),
                           limits=limits, transcript=Transcript(Path(ledger).with_name(TRANSCRIPT), (key,)))
        state.ledger.write("open", trial_id=trial_id, model=model, limits=limits.__dict__)
        self._app.relay_for(model)  # decided now, not on the trial's first call
        self._trials[key] = state
        return key

    def usage(self, key: str) -> Usage | None:
        """The open trial's usage so far, from its ledger (None for an unknown or closed key)."""
        state = self._trials.get(key)
        return read_usage(state.ledger.path) if state is not None else None

    def close_trial(self, key: str, drain_timeout_s: float = 30.0) -> Usage:
        """Revoke the key, let in-flight calls finish (then cancel them), return the ledger's Usage."""
        state = self._trials.pop(key, None)
        if state is None:
            raise KeyError("unknown or already closed trial key")
        asyncio.run_coroutine_threadsafe(self._drain(state, drain_timeout_s), self._loop).result()
        state.ledger.write("close", trial_id=state.trial_id)
        state.ledger.close()
        if state.transcript is not None:
            state.transcript.close()
        return read_usage(state.ledger.path)

    @staticmethod
    async def _drain(state: TrialState, timeout: float) -> None:
        tasks = set(state.tasks)
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=5)

    def stop(self) -> None:
        """Close every open trial and stop serving."""
        for key in list(self._trials):
            self.close_trial(key, drain_timeout_s=5)
        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=30)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                self._loop.close()
        if self.unix_socket and self.unix_socket.exists():
            self.unix_socket.unlink()

    async def _shutdown(self) -> None:
        """Stop the server, then cancel what else runs on the loop (litellm's logging worker)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    def __enter__(self) -> "Meter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
