"""A trial's trajectory (`trajectory.json`, ATIF) for people: compact steps for the HTML report, text for the
terminal (`mldevbench report --trial ID`)."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from ..trajectory import FILE

MAX_FILE = 64 * 1024 * 1024  # a trajectory.json larger than this is not read (the meter caps its own far lower)
MAX_FIELD = 6000             # characters of one text shown in the HTML report; the file has the rest


def read(artifacts_dir: str | Path | None) -> dict | None:
    """The trajectory of a trial folder, or None when there is none (agents without an LLM) or it is unreadable."""
    if not artifacts_dir:
        return None
    path = Path(artifacts_dir) / FILE
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE:
            return None
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and isinstance(doc.get("steps"), list) else None


def _cut(text: Any, limit: int = MAX_FIELD) -> str:
    text = text if isinstance(text, str) else json.dumps(text, default=str)
    return text if len(text) <= limit else text[:limit] + f"\n[... {len(text) - limit} more characters in {FILE}]"


def compact(doc: dict) -> list[dict]:
    """The steps as the HTML report draws them: source, words, reasoning, tool calls and results, metrics."""
    out = []
    for s in doc.get("steps") or []:
        if not isinstance(s, dict):
            continue
        m = s.get("metrics") or {}
        step = {"id": s.get("step_id"), "source": s.get("source"), "message": _cut(s.get("message") or "")}
        if s.get("reasoning_content"):
            step["reasoning"] = _cut(s["reasoning_content"])
        if s.get("is_copied_context"):
            step["copied"] = True
        if s.get("tool_calls"):
            step["calls"] = [{"id": tc.get("tool_call_id"), "name": tc.get("function_name"),
                              "args": _cut(_arguments_text(tc.get("arguments")))} for tc in s["tool_calls"]]
        results = ((s.get("observation") or {}).get("results")) or []
        if results:
            step["results"] = [{"id": r.get("source_call_id"), "content": _cut(r.get("content") or "")}
                               for r in results]
        if m:
            step["tokens"] = [m.get("prompt_tokens"), m.get("completion_tokens")]
            step["cost"] = m.get("cost_usd")
            step["latency"] = (m.get("extra") or {}).get("latency_s")
        if (s.get("extra") or {}).get("status") not in (None, "ok"):
            step["status"] = s["extra"]["status"] + (f": {s['extra']['error']}" if s["extra"].get("error") else "")
        out.append(step)
    return out


def _arguments_text(args: Any) -> str:
    if isinstance(args, dict) and set(args) == {"command"} and isinstance(args["command"], str):
        return args["command"]
    return json.dumps(args, indent=1, ensure_ascii=False, default=str)


def text(doc: dict, width: int = 100, max_lines: int = 12) -> str:
    """The trajectory for a terminal: one block per step, long texts cut to `max_lines` lines."""
    def block(label: str, body: str) -> list[str]:
        lines = body.splitlines() or [""]
        more = len(lines) - max_lines
        lines = lines[:max_lines] + ([f"[... {more} more lines]"] if more > 0 else [])
        wrapped = [w for line in lines for w in (textwrap.wrap(line, width - 4, replace_whitespace=False) or [""])]
        return [f"  {label}"] + [f"    {w}" for w in wrapped]

    fm = doc.get("final_metrics") or {}
    agent = doc.get("agent") or {}
    head = (f"trajectory of {doc.get('session_id', '?')}: agent {agent.get('name')} model {agent.get('model_name')}, "
            f"{len(doc.get('steps') or [])} steps, "
            f"{fm.get('total_prompt_tokens', 0)}+{fm.get('total_completion_tokens', 0)}"
            f" tokens, cost {_usd(fm.get('total_cost_usd'))}")
    out = [head]
    for s in compact(doc):
        meta = ""
        if "tokens" in s:
            meta = f"  [{s['tokens'][0]}+{s['tokens'][1]} tokens, {_usd(s.get('cost'))}" + \
                   (f", {s['latency']:.2f} s" if isinstance(s.get("latency"), (int, float)) else "") + "]"
        out.append(f"#{s['id']} {s['source']}{' (copied context)' if s.get('copied') else ''}{meta}")
        if s.get("status"):
            out.append(f"  ! {s['status']}")
        if s.get("reasoning"):
            out += block("reasoning:", s["reasoning"])
        if s["message"]:
            out += block("says:" if s["source"] == "agent" else "message:", s["message"])
        for c in s.get("calls") or []:
            out += block(f"calls {c['name']} ({c['id']}):", c["args"])
        for r in s.get("results") or []:
            out += block(f"result{' of ' + r['id'] if r.get('id') else ''}:", r["content"])
    return "\n".join(out)


def _usd(cost: Any) -> str:
    return "unknown" if cost is None else f"${cost:.4f}"
