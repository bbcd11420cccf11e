"""The terminal summary: success by category × agent-model, like the paper's Table 2."""
from __future__ import annotations

from ..integrity import summary
from ..tasks import CATEGORIES

MAX_FLAGGED = 20  # trials listed with their integrity flags under the table


def _cell(s: dict | None) -> str:
    if not s or (s["passed"] + s["failed"]) == 0:
        return "-" if not s else f"err {s['errors']}"
    text = f"{s['passed']}/{s['passed'] + s['failed']} ({100 * s['success_rate']:.0f}%)"
    if s.get("success_sem") is not None:  # --runs N: standard error of the per-run success rate
        text += f" ±{100 * s['success_sem']:.0f}"
    return text + (f" +{s['errors']}err" if s["errors"] else "")


def _repeated_rows(by_label: dict, columns: list[str]) -> list[list[str]]:
    """pass@1 and pass@N rows when there were repeated runs, and cost per solved task."""
    ks = sorted({int(k) for c in columns for k in (by_label.get(c) or {}).get("pass_at_k", {})})
    rows = []
    for k in ([ks[0], ks[-1]] if len(ks) > 1 else []):
        rows.append([f"pass@{k}"] + [_pct((by_label.get(c) or {}).get("pass_at_k", {}).get(str(k))) for c in columns])
    cps = [(by_label.get(c) or {}).get("cost_per_solved_usd") for c in columns]
    if any(v for v in cps):
        rows.append(["cost/solved USD"] + ["-" if v is None else f"{v:.4f}" for v in cps])
    return rows


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


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
    if "paper_comparable" in agg:  # the subset that asks what the original asks (docs/parity.md)
        n = len(agg["paper_comparable_tasks"])
        rows.append([f"paper-comparable ({n} task{'s' * (n != 1)})"]
                    + [_cell(agg["paper_comparable_by_agent_model"].get(col)) for col in columns])
    if "extras" in agg["by_category_agent_model"]:
        rows.append(["extras"] + [_cell(agg["by_category_agent_model"]["extras"].get(col)) for col in columns])
    rows += _repeated_rows(agg["overall_by_agent_model"] or agg["by_agent_model"], columns)
    by = agg["by_agent_model"]
    rows.append(["cost USD"] + ["cost unknown" if by[c]["cost_usd"] is None else f"{by[c]['cost_usd']:.4f}"
                                for c in columns])
    rows.append(["tokens"] + [("~" if by[c].get("estimated_calls") else "") + str(by[c]["tokens"]) for c in columns])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    estimated = sum(by[c].get("estimated_calls", 0) for c in columns)
    if estimated:
        lines.append(f"~ estimated: {estimated} LLM calls reported no usage; their tokens were counted with the "
                     "model's tokenizer")
    if any(by[c]["cost_usd"] is None for c in columns):
        lines.append("cost unknown: a model has no price; pass --llm-prices PRICES.json")
    flagged = [t for t in report.get("trials", []) if t.get("flags")]
    if flagged:
        lines.append(f"integrity flags (evidence to read; outcomes unchanged): {len(flagged)} trial(s)")
        lines += [f"  {t['trial_id']} ({t['outcome']}): {summary(t['flags'])}" for t in flagged[:MAX_FLAGGED]]
        if len(flagged) > MAX_FLAGGED:
            lines.append(f"  ... {len(flagged) - MAX_FLAGGED} more (result.json: flags)")
    errors = report.get("errors", [])
    if errors:
        lines.append(f"infrastructure errors (excluded from rates): {len(errors)}")
        lines += [f"  {e['trial_id']}: {e['detail'][:200]}" for e in errors]
    return "\n".join(lines)
