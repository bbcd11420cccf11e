"""Integrity flags from what the harness observed outside the agent's processes: the snapshot, the sandbox's
run, the asset mirror's log (assets.json) and the meter's ledger.

These hold for any agent, a script with no LLM calls included: each source is trusted code or a separate
process (the harness copying the stopped workspace, the harness reading the sandbox's output pipe, its
cgroup and its network namespace's counters, the mirror and the meter answering requests), never what the
agent says about itself. Like every flag they are evidence beside the outcome (integrity.py), never part of it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from .flagkinds import (ASSET_REFUSED, LINK_OUT, LLM_REFUSED, NETWORK_REFUSED, OUTPUT_TRUNCATED, PERMISSIONS_REMOVED,
                        PROCESS_OUTLIVED, PROTECTED_PROBED, SNAPSHOT_REFUSED, SPECIAL_FILE)

MAX_LOG_BYTES = 20_000_000  # the ledger is read up to this size


def snapshot_flags(skipped: list[tuple[str, str]], refused: str | None, own: tuple[Path, ...] = ()
                   ) -> Iterator[tuple[str, str]]:
    """From `workspace.snapshot`: entries it did not copy as they were, and a workspace it refused whole. A link
    into the trial's `own` folders (its home: wandb links its logs there) is not flagged."""
    if refused:
        yield SNAPSHOT_REFUSED, refused
    for rel, why in skipped:
        target = why.partition("-> ")[2]
        if why.startswith("link") and any(target == str(o) or target.startswith(str(o).rstrip("/") + "/")
                                          for o in own):
            continue
        kind = LINK_OUT if why.startswith("link") else PERMISSIONS_REMOVED if "made un" in why else SPECIAL_FILE
        yield kind, f"{rel}: {why}"


def run_flags(output_dropped: int, survivors: int, network: dict[str, int] | None = None,
              probes: list[str] = ()) -> Iterator[tuple[str, str]]:
    """From the agent's sandboxed run: output over the cap, processes left when its command ended, network
    attempts its namespace refused (sandbox/endwatch.py), paths in hidden places its processes tried to open,
    run or enter (sandbox/fileaudit.py: the kernel's record, read by the harness)."""
    if output_dropped:
        yield OUTPUT_TRUNCATED, f"{output_dropped} bytes of output over the cap were dropped"
    if survivors:
        yield PROCESS_OUTLIVED, f"{survivors} process(es) of the agent still ran when its command ended"
    if network:
        yield NETWORK_REFUSED, "refused by the sandbox's network: " + ", ".join(f"{v} {k}" for k, v in network.items())
    for path in probes:
        yield PROTECTED_PROBED, f"{path[:300]}: opened, run or entered (a hidden place)"


def asset_flags(doc: dict | None) -> Iterator[tuple[str, str]]:
    """From the mirror's log of the trial (what the trial writes to `assets.json`): requests it refused."""
    if not isinstance(doc, dict):
        return
    refused = doc.get("refused")
    for entry in refused if isinstance(refused, list) else []:
        if isinstance(entry, dict):
            yield ASSET_REFUSED, (f"{str(entry.get('method') or 'GET')[:10]} {str(entry.get('path'))[:300]}: "
                                  f"refused ({entry.get('status')})")
        else:
            yield ASSET_REFUSED, f"{str(entry)[:300]}: refused"
    dropped = doc.get("dropped")
    if isinstance(dropped, int) and dropped > 0:
        yield ASSET_REFUSED, f"{dropped} more requests refused (not logged one by one)"


def ledger_flags(path: Path) -> Iterator[tuple[str, str]]:
    """From the meter's ledger: calls it refused (the budget was spent and the agent kept calling)."""
    data = _read_bytes(path)
    if data is None:
        return
    for line in data.decode("utf-8", "replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("status") == "refused":
            yield LLM_REFUSED, f"call {event.get('seq')}: {str(event.get('error') or event.get('budget'))[:200]}"


def _read_bytes(path: Path) -> bytes | None:
    try:
        if not path.is_file() or path.stat().st_size > MAX_LOG_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None
