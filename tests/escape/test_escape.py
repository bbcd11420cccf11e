"""The escape suite: a hostile agent (root on the host, the repository in hand) tries every escape the threat
model names (docs/architecture.md, "Threat model"), beside an honest neighbour trial, under -n 2, in each
sandbox. Every attempt must be refused, the neighbour must pass untouched, and the attacker's trial must end
as documented: failed with reason `disk_limit` (it filled its disk), its 1 GiB of output capped.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from datetime import datetime
from pathlib import Path

import pytest

from pytest_mldevbench.sandbox.output import HEAD_BYTES, TAIL_BYTES
from tests.host_listener import HostListener

ARENA = "tests/escape/cases/extras/escape_arena"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def planted():
    """'Solutions' left on the machine under /opt and /var/tmp (root only)."""
    if os.geteuid() != 0:
        pytest.skip("planting files under /opt and /var needs root")
    folders = [Path(top) / f"mldb-escape-{secrets.token_hex(4)}" for top in ("/opt", "/var/tmp")]
    for folder in folders:
        folder.mkdir()
        (folder / "solve.sh").write_text("echo 'print(\"Hello, World!\")' > hello.py\n")
    yield os.pathsep.join(str(f / "solve.sh") for f in folders)
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def _stamp(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@pytest.mark.parametrize("sandbox", ["local", "docker"])
def test_every_escape_is_refused(bench, planted, monkeypatch, request, sandbox):
    if sandbox == "docker":
        request.getfixturevalue("docker_image")
    listener = HostListener()
    monkeypatch.setenv("MLDB_ESCAPE_PORT", str(listener.port))
    monkeypatch.setenv("MLDB_ESCAPE_PLANTED", planted)
    monkeypatch.setenv("MLDB_DISK_GB", "1")        # a small disk to fill (the property is the same)
    monkeypatch.setenv("MLDB_PIDS_LIMIT", "256")   # a small process limit to reach
    start = time.monotonic()
    try:
        run = bench(ARENA, "-p", "tests.escape.agents", "--agent=escape-attacker,escape-neighbour", "-n", "2",
                    f"--sandbox={sandbox}", "--mldb-progress", "0")
    finally:
        listener.close()
    wall = time.monotonic() - start
    attacker, neighbour = run.trial("escape-attacker"), run.trial("escape-neighbour")
    out = {t["agent"]: Path(t["artifacts_dir"]) for t in (attacker, neighbour)}

    # both ran at the same time (two items, two workers: one each)
    assert _stamp(attacker["started_at"]) <= _stamp(neighbour["finished_at"]) + 1
    assert _stamp(neighbour["started_at"]) <= _stamp(attacker["finished_at"]) + 1

    report = out["escape-attacker"] / "agent" / "artifacts" / "escape.json"
    assert report.is_file(), f"the attacker left no record\n{run.output[-3000:]}"
    attempts = json.loads(report.read_text())
    meta = attempts.pop("_meta")
    escaped = {name: a["detail"] for name, a in attempts.items() if not a["refused"]}
    assert not escaped, f"escapes that were not refused ({sandbox}): {json.dumps(escaped, indent=1)}"
    assert len(attempts) >= 30, sorted(attempts)
    assert listener.hits == 0, "the sandbox reached a port on the host's loopback"

    # nothing landed where the attacker aimed
    from tests.escape.agents import targets
    for name, folder in targets(REPO)[0].items():
        left = list(Path(folder).glob("mldb-escape-*")) if Path(folder).is_dir() else []
        assert not left, f"the attacker wrote into {name}: {left}"

    # the attacker's outcome: it filled its disk -> failed, disk_limit; its flood was capped, not stored
    assert attacker["outcome"] == "failed" and attacker["reason"] == "disk_limit", (attacker["reason"],
                                                                                    attacker["detail"])
    assert meta["filled_bytes"] <= 1.05 * 2**30
    log = out["escape-attacker"] / "agent.log"
    assert log.stat().st_size <= HEAD_BYTES + TAIL_BYTES + 4096, log.stat().st_size
    assert attacker["output_dropped"] >= meta["flood_bytes"] - HEAD_BYTES - TAIL_BYTES
    assert f"{attacker['output_dropped']} bytes of output dropped" in log.read_text(errors="replace")

    # the neighbour: passed, its disk never starved, its files untouched, the attacker out of its sight
    assert neighbour["outcome"] == "passed", neighbour["detail"]
    notes = json.loads((out["escape-neighbour"] / "agent" / "artifacts" / "neighbour.json").read_text())
    assert notes["writes"] > 0 and not notes["write_errors"], notes
    assert not notes["hello_changed"] and not notes["saw_attacker"], notes
    limits = attacker["sandbox_limits"]
    print(f"\n[{sandbox}] escape session: {wall:.1f}s wall, {len(attempts)} attempts refused, "
          f"{attacker['output_dropped']} bytes of output dropped; limits: {limits}")
