"""One metered call: token counts from either API shape, cost, and its single ledger line."""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from .budget import Limits, Totals
from .ledger import Ledger
from .prices import cost_usd
from .transcript import Transcript


@dataclass
class TokenCounts:
    """Tokens of one call; `prompt` includes cached and cache-creation tokens."""

    prompt: int = 0
    completion: int = 0
    cached: int = 0
    cache_creation: int = 0
    estimated: bool = False  # the backend reported none: counted with the model's tokenizer

    @property
    def reported(self) -> bool:
        """Whether these are figures at all: a backend that sends none (or only zeros) reported none,
        since every real call reads a prompt."""
        return self.prompt > 0 or self.completion > 0

    @classmethod
    def from_openai(cls, usage: Any) -> "TokenCounts":
        """From an OpenAI-shaped usage (litellm Usage object or dict)."""
        get = usage.get if isinstance(usage, dict) else (lambda k, d=None: getattr(usage, k, d))
        details = get("prompt_tokens_details") or {}
        dget = details.get if isinstance(details, dict) else (lambda k, d=None: getattr(details, k, d))
        creation = get("cache_creation_input_tokens") or get("_cache_creation_input_tokens") or 0
        return cls(prompt=int(get("prompt_tokens") or 0), completion=int(get("completion_tokens") or 0),
                   cached=int(dget("cached_tokens") or 0), cache_creation=int(creation))

    @classmethod
    def from_anthropic(cls, usage: dict) -> "TokenCounts":
        """From an Anthropic usage dict, whose input_tokens exclude cache reads and writes."""
        cached = int(usage.get("cache_read_input_tokens") or 0)
        creation = int(usage.get("cache_creation_input_tokens") or 0)
        return cls(prompt=int(usage.get("input_tokens") or 0) + cached + creation,
                   completion=int(usage.get("output_tokens") or 0), cached=cached,
                   cache_creation=creation)


@dataclass
class TrialState:
    """A trial the meter serves: its key, model, limits, totals and in-flight calls."""

    trial_id: str
    key: str
    model: str
    ledger: Ledger
    limits: Limits
    totals: Totals = field(default_factory=Totals)
    tasks: set[asyncio.Task] = field(default_factory=set)
    seq: int = 0
    transcript: Transcript | None = None  # what was said, call by call (transcript.py)

    def refuse(self, api: str, budget: str, message: str, body: dict | None = None) -> None:
        """Record a refused call."""
        self.seq += 1
        self.ledger.write("call", seq=self.seq, api=api, status="refused", budget=budget,
                          error=message)
        if self.transcript is not None:
            self.transcript.record(self.seq, api, time.time(), body, None, "refused")


class Call:
    """A forwarded call: `settle` adds it to the trial's totals, `finish` also writes its ledger line; once each.

    A complete answer is settled before it is sent and finished after (`MeterApp._answer`): the next
    call's budget check sees its tokens, and its cost too when a cost budget needs it, while pricing and
    the ledger write stay off the agent's clock otherwise.
    """

    def __init__(self, trial: TrialState, api: str, stream: bool):
        trial.seq += 1
        trial.totals.calls_started += 1
        self.trial, self.api, self.stream, self.seq = trial, api, stream, trial.seq
        self.tokens = TokenCounts()
        self.t0, self.started = time.perf_counter(), time.time()
        self.body: dict | None = None  # the request, for the transcript
        self.reply_of: Callable[[], dict | None] | None = None  # the reply in normal form, read after answering
        self.settled = self.priced = self.done = False
        self.cost: float | None = None

    def settle(self) -> None:
        if self.settled:
            return
        self.settled = True
        self.trial.totals.tokens += self.tokens.prompt + self.tokens.completion
        if self.trial.limits.max_cost_usd is not None:
            self._price()

    def _price(self) -> None:
        if not self.priced:
            t, tr = self.tokens, self.trial
            self.priced = True
            self.cost = cost_usd(tr.model, t.prompt, t.completion, t.cached, t.cache_creation)
            tr.totals.cost_usd += self.cost or 0.0

    def finish(self, status: str, error: str | None = None) -> None:
        if self.done:
            return
        self.done = True
        self.settle()
        self._price()
        t = self.tokens
        self.trial.ledger.write(
            "call", seq=self.seq, api=self.api, stream=self.stream, model=self.trial.model, status=status,
            prompt_tokens=t.prompt, completion_tokens=t.completion, cached_tokens=t.cached,
            cache_creation_tokens=t.cache_creation, usage_estimated=t.estimated, cost_usd=self.cost,
            latency_s=round(time.perf_counter() - self.t0, 6), error=error)
        if self.trial.transcript is not None:
            self.trial.transcript.record(self.seq, self.api, self.started, self.body, self._reply(status), status)

    def _reply(self, status: str) -> dict | None:
        if self.reply_of is None or status not in ("ok", "client_disconnected"):
            return None
        try:
            return self.reply_of()
        except Exception:  # an answer of an unexpected shape: the call is recorded without its reply
            return None
