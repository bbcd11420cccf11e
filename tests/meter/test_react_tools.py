"""The ReAct agent's tools and prompt-cache marking, called directly (no model)."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.meter.react_helpers import import_react

Toolbox = import_react().tools.Toolbox


@pytest.fixture
def box(tmp_path: Path) -> Toolbox:
    (tmp_path / "ws").mkdir()
    tb = Toolbox(tmp_path / "ws", tmp_path / "out", max_chars=600)
    yield tb
    tb.cleanup()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def test_run_reports_exit_code_and_clips_long_output(box):
    assert box.call("run", {"command": "echo hi; exit 3"}) == "hi\n[exit code 3]"
    out = box.call("run", '{"command": "seq 1 5000"}')
    assert out.startswith("1\n2\n") and out.rstrip().endswith("5000\n[exit code 0]")
    assert "characters omitted; full output in" in out and len(out) < 900
    full = Path(out.split("full output in ")[1].split("]")[0])
    assert full.read_text().splitlines()[-1] == "5000"


def test_run_timeout_kills_the_whole_tree(box, tmp_path):
    t0 = time.time()
    out = box.call("run", {"command": "sleep 60 & echo $! > child.pid; sleep 60", "timeout": 1})
    assert time.time() - t0 < 15 and "timed out after 1s" in out
    child = int((tmp_path / "ws" / "child.pid").read_text())
    time.sleep(0.2)
    assert not _alive(child)


def test_spawn_then_monitor_returns_when_the_job_ends(box):
    assert box.call("spawn", {"command": "sleep 1; echo trained; exit 0"}).startswith("started job 1")
    t0 = time.time()
    out = box.call("monitor", {"seconds": 60, "command": "tail -n 1 ../out/job-1.log"})
    assert time.time() - t0 < 20
    assert "job 1: exited with code 0" in out and "trained" in out


def test_write_and_edit_files(box, tmp_path):
    ws = tmp_path / "ws"
    assert "wrote" in box.call("write_file", {"path": "pkg/a.py", "content": "x = 1\ny = 1\n"})
    assert (ws / "pkg" / "a.py").read_text() == "x = 1\ny = 1\n"
    assert "occurs 2 times" in box.call("edit_file", {"path": "pkg/a.py", "old_string": "= 1",
                                                      "new_string": "= 2"})
    assert "not found" in box.call("edit_file", {"path": "pkg/a.py", "old_string": "z = 1",
                                                 "new_string": ""})
    assert "line 2" in box.call("edit_file", {"path": "pkg/a.py", "old_string": "y = 1",
                                              "new_string": "y = 3"})
    box.call("edit_file", {"path": "pkg/a.py", "old_string": "= ", "new_string": "== ",
                           "replace_all": True})
    assert (ws / "pkg" / "a.py").read_text() == "x == 1\ny == 3\n"
    assert box.call("edit_file", {"path": "nope.py", "old_string": "a", "new_string": "b"}
                    ).startswith("ERROR:")


def test_list_dir_and_bad_calls(box, tmp_path):
    ws = tmp_path / "ws"
    (ws / "data" / "deep" / "deeper").mkdir(parents=True)
    (ws / "data" / "deep" / "deeper" / "x.txt").write_text("x")
    (ws / ".git").mkdir()
    (ws / "train.py").write_text("pass\n")
    tree = box.call("list_dir", {})
    assert "train.py (5 bytes)" in tree and ".git/ (skipped)" in tree
    assert "deep/" in tree and "x.txt" not in tree  # default depth 2
    assert "x.txt" in box.call("list_dir", {"path": "data", "depth": 3})
    assert box.call("nope", {}).startswith("ERROR: unknown tool")
    assert box.call("run", {"cmd": "ls"}).startswith("ERROR: bad arguments")
    assert box.call("run", "{not json").startswith("ERROR: bad arguments")


def test_cache_marks_only_for_claude_models():
    from react_agent.llm import wants_cache_marks, with_cache_marks

    assert wants_cache_marks("anthropic/claude-sonnet-4-5")
    assert wants_cache_marks("bedrock/us.anthropic.claude-sonnet-4-5-v1:0")
    assert not wants_cache_marks("openai/gpt-4o")
    msgs = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"},
            {"role": "assistant", "content": None, "tool_calls": []},
            {"role": "tool", "tool_call_id": "1", "content": "t1"},
            {"role": "tool", "tool_call_id": "2", "content": "t2"}]
    marked = with_cache_marks(msgs)
    has_mark = [isinstance(m["content"], list) and "cache_control" in m["content"][-1]
                for m in marked]
    assert has_mark == [True, False, False, True, True]
    assert msgs[0]["content"] == "s"  # the conversation itself is not changed
