"""The per-trial LLM ledger (JSONL, one line per event) and the Usage read back from it."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

#: ledger call statuses: the call reached the backend (counts as a step) unless "refused"
CALL_STATUSES = ("ok", "error", "client_disconnected", "cancelled", "refused")


@dataclass(frozen=True)
class Usage:
    """A trial's LLM usage, summed from its ledger."""

    calls: int = 0                 # calls forwarded to the backend (= the trial's steps)
    prompt_tokens: int = 0         # cached and cache-creation tokens included
    completion_tokens: int = 0
    cached_tokens: int = 0         # prompt tokens read from the provider's cache
    cost_usd: float = 0.0
    latency_s: float = 0.0         # summed wall time of the calls, as the meter saw them
    budget_exhausted: bool = False  # a call was refused by a budget (cost, tokens or steps)
    refused_calls: int = 0
    unpriced_calls: int = 0        # calls with tokens whose model had no price: the cost is unknown
    estimated_calls: int = 0       # calls whose backend reported no usage: tokens estimated

    @property
    def cost_known(self) -> bool:
        return self.unpriced_calls == 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Ledger:
    """Append-only JSONL writer; every record is flushed to the OS before the call returns."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("w", encoding="utf-8")  # a trial's ledger starts empty
        self._lock = threading.Lock()

    def write(self, event: str, **fields: Any) -> None:
        record = {"event": event, "ts": round(time.time(), 6), **fields}
        line = json.dumps(record, separators=(",", ":")) + "\n"
        with self._lock:
            if self._fh.closed:
                return
            self._fh.write(line)
            self._fh.flush()

    def close(self) -> None:
        with self._lock:
            self._fh.close()


def read_usage(path: Path | str) -> Usage:
    """Sum a ledger file into a Usage (a truncated last line, from a crash, is ignored)."""
    calls = prompt = completion = cached = refused = unpriced = estimated = 0
    cost = latency = 0.0
    exhausted = False
    p = Path(path)
    if not p.exists():
        return Usage()
    for line in p.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("event") != "call":
            continue
        if rec.get("status") == "refused":
            refused += 1
            exhausted = exhausted or bool(rec.get("budget"))
            continue
        calls += 1
        prompt += int(rec.get("prompt_tokens") or 0)
        completion += int(rec.get("completion_tokens") or 0)
        cached += int(rec.get("cached_tokens") or 0)
        latency += float(rec.get("latency_s") or 0.0)
        estimated += bool(rec.get("usage_estimated"))
        if rec.get("cost_usd") is not None:
            cost += float(rec["cost_usd"])
        elif rec.get("prompt_tokens") or rec.get("completion_tokens"):
            unpriced += 1
    return Usage(calls=calls, prompt_tokens=prompt, completion_tokens=completion,
                 cached_tokens=cached, cost_usd=cost, latency_s=latency,
                 budget_exhausted=exhausted, refused_calls=refused, unpriced_calls=unpriced,
                 estimated_calls=estimated)
