"""A trial's trajectory: the meter's transcript and ledger turned into ATIF (Harbor's RFC 0001), validated.

One agent step per LLM call the meter forwarded (its reply: words, reasoning, tool calls; its tokens, cost
and latency from the ledger); the messages new in a call become user/system steps, and tool results
(which arrive as the next call's messages) become the `observation` of the agent step that made the calls.
The models and their validation are the `atif` package's; the document is written only if it validates.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from atif import Trajectory

from . import __version__

SCHEMA_VERSION = "ATIF-v1.8"
FILE = "trajectory.json"
LEDGER, TRANSCRIPT = "llm_ledger.jsonl", "llm_transcript.jsonl"
NOT_RECORDED = "[not recorded: the trial's transcript reached the mldevbench size cap]"


def _jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue  # a torn last line
        if isinstance(rec, dict):
            out.append(rec)
    return out


def _iso(ts: Any) -> str | None:
    if not isinstance(ts, (int, float)):
        return None
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _arguments(text: str) -> dict:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {"_raw": text}
    return value if isinstance(value, dict) else {"_value": value}


class _Builder:
    def __init__(self) -> None:
        self.steps: list[dict] = []
        self.last_agent: dict | None = None  # the agent step that tool results are observed by

    def add(self, step: dict) -> dict:
        step["step_id"] = len(self.steps) + 1
        self.steps.append(step)
        if step["source"] == "agent" and step.get("llm_call_count") != 0:
            self.last_agent = step
        elif step["source"] == "user":
            self.last_agent = None
        return step

    def message(self, m: dict, ts: str | None, reset: bool) -> None:
        role = m.get("role")
        if role == "tool":
            result = {"content": m.get("text", "")}
            ids = {tc["tool_call_id"] for tc in (self.last_agent or {}).get("tool_calls") or []}
            if m.get("tool_call_id") in ids:
                result["source_call_id"] = m["tool_call_id"]
            elif m.get("tool_call_id"):
                result["extra"] = {"tool_call_id": m["tool_call_id"]}
            holder = self.last_agent or self.add({"source": "system", "message": "", "timestamp": ts})
            holder.setdefault("observation", {"results": []})["results"].append(result)
            return
        if role == "assistant":  # context the agent wrote itself (a rewritten history): no LLM call of this trial
            step = {"source": "agent", "message": m.get("text", ""), "llm_call_count": 0,
                    "is_copied_context": True, "timestamp": ts}
            if m.get("tool_calls"):
                step["tool_calls"] = _tool_calls(m["tool_calls"])
            self.add(step)
            return
        step = {"source": "system" if role == "system" else "user", "message": m.get("text", ""), "timestamp": ts}
        if reset:  # the request did not extend the previous one: a new conversation or a rewritten history
            step["extra"] = {"new_context": True}
        self.add(step)


def _tool_calls(calls: list[dict]) -> list[dict]:
    return [{"tool_call_id": tc.get("id") or f"call_{i}", "function_name": tc.get("name") or "",
             "arguments": _arguments(tc.get("arguments") or "")} for i, tc in enumerate(calls)]


def build(out_dir: Path, *, trial_id: str, task_id: str, agent: str, model: str | None,
          agent_version: str = "") -> dict:
    """The ATIF document of the trial whose ledger and transcript are in `out_dir` (validated)."""
    ledger = {r.get("seq"): r for r in _jsonl(out_dir / LEDGER) if r.get("event") == "call"}
    transcript = {r.get("seq"): r for r in _jsonl(out_dir / TRANSCRIPT)}
    b, tools, capped = _Builder(), None, False
    for seq in sorted(set(ledger) | set(transcript), key=lambda s: s if isinstance(s, int) else -1):
        call, rec = ledger.get(seq, {}), transcript.get(seq, {})
        ts = _iso(rec.get("ts") if rec else (call.get("ts") or 0) - (call.get("latency_s") or 0))
        if rec.get("omitted"):
            capped = True
        if rec.get("tools") and tools is None:
            tools = rec["tools"]
        for i, m in enumerate(rec.get("new") or []):
            b.message(m, ts, bool(rec.get("reset")) and i == 0)
        status = call.get("status") or rec.get("status") or "unknown"
        if status == "refused":
            b.add({"source": "system", "timestamp": ts,
                   "message": f"mldevbench meter refused an LLM call: {call.get('error') or 'budget exhausted'}"})
            continue
        reply = rec.get("reply") or {}
        step: dict[str, Any] = {"source": "agent", "timestamp": ts, "model_name": call.get("model") or model,
                                "message": NOT_RECORDED if rec.get("omitted") else reply.get("text", ""),
                                "llm_call_count": 1}
        if reply.get("reasoning"):
            step["reasoning_content"] = reply["reasoning"]
        if reply.get("tool_calls"):
            step["tool_calls"] = _tool_calls(reply["tool_calls"])
        step["metrics"] = {
            "prompt_tokens": call.get("prompt_tokens"), "completion_tokens": call.get("completion_tokens"),
            "cached_tokens": call.get("cached_tokens"), "cost_usd": call.get("cost_usd"),
            "extra": {"latency_s": call.get("latency_s"), "usage_estimated": bool(call.get("usage_estimated"))}}
        extra = {"call_seq": seq, "status": status}
        if call.get("error"):
            extra["error"] = call["error"]
        step["extra"] = extra
        b.add(step)
    calls = [c for c in ledger.values() if c.get("status") != "refused"]
    costs = [c.get("cost_usd") for c in calls]
    doc = {
        "schema_version": SCHEMA_VERSION, "session_id": trial_id,
        "agent": {"name": agent, "version": agent_version or "unknown", "model_name": model,
                  **({"tool_definitions": tools} if tools else {})},
        "steps": b.steps,
        "final_metrics": {
            "total_prompt_tokens": sum(int(c.get("prompt_tokens") or 0) for c in calls),
            "total_completion_tokens": sum(int(c.get("completion_tokens") or 0) for c in calls),
            "total_cached_tokens": sum(int(c.get("cached_tokens") or 0) for c in calls),
            "total_cost_usd": None if any(c is None for c in costs) else sum(costs),
            "total_steps": len(b.steps), "extra": {"llm_calls": len(calls)}},
        "notes": ("Recorded by the mldevbench meter from the LLM calls it forwarded, whatever the agent; "
                  "tool results are the next call's messages." + (" " + NOT_RECORDED if capped else "")),
        "extra": {"task_id": task_id, "recorded_by": f"pytest-mldevbench {__version__}", "size_capped": capped},
    }
    return Trajectory.model_validate(doc).to_json_dict(exclude_none=True)


def write(out_dir: Path, **fields: Any) -> Path:
    """Build the trial's trajectory and write it to `out_dir/trajectory.json`."""
    path = Path(out_dir) / FILE
    path.write_text(json.dumps(build(Path(out_dir), **fields), indent=1), encoding="utf-8")
    return path


def load(path: Path) -> Trajectory:
    """A trajectory file read back and validated (ValueError when it does not validate)."""
    return Trajectory.model_validate_json(Path(path).read_text(encoding="utf-8"))
