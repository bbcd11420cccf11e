"""The terminal summary: success by category × agent-model, like the paper's Table 2."""
from __future__ import annotations

from ..tasks import CATEGORIES


def _cell(s: dict | None) -> str:
    if not s or (s["passed"] + s["failed"]) == 0:
        return "-" if not s else f"err {s['errors']}"
    text = f"{s['passed']}/{s['passed'] + s['failed']} ({100 * s['success_rate']:.0f}%)"
    return text + (f" +{s['errors']}err" if s["errors"] else "")


def render(report: dict) -> str:
    agg = report["aggregates"]
    columns = list(agg["by_agent_model"])
    if not columns:
        return "no trials"
    rows = [["category"] + columns]
    cats = [c for c in CATEGORIES if c in agg["by_category_agent_model"] and c != "extras"]
    for cat in cats:
        rows.append([cat] + [_cell(agg["by_category_agent_model"][cat].get(col)) for col in columns])
    rows.append(["overall (paper tasks)"] + [_cell(agg["overall_by_agent_model"].get(col)) for col in columns])
    if "extras" in agg["by_category_agent_model"]:
        rows.append(["extras"] + [_cell(agg["by_category_agent_model"]["extras"].get(col)) for col in columns])
    rows.append(["cost USD"] + [f"{agg['by_agent_model'][c]['cost_usd']:.4f}" for c in columns])
    rows.append(["tokens"] + [str(agg["by_agent_model"][c]["tokens"]) for c in columns])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    errors = report.get("errors", [])
    if errors:
        lines.append(f"infrastructure errors (excluded from rates): {len(errors)}")
        lines += [f"  {e['trial_id']}: {e['detail'][:200]}" for e in errors]
    return "\n".join(lines)
