"""The snapshot against hostile workspaces (no sandbox needed: these are the files a stopped agent left)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_mldevbench import workspace


def make(ws: Path, files: dict[str, str]) -> Path:
    ws.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text(text)
    return ws


def test_links_leaving_the_workspace_are_dropped_inner_links_kept_relative(tmp_path):
    ws = make(tmp_path / "ws", {"a.json": "{}", "sub/b.txt": "b"})
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    os.symlink(outside, ws / "out.json")
    os.symlink("/dev/zero", ws / "zero.json")
    os.symlink("../..", ws / "sub" / "up")
    os.symlink(ws / "a.json", ws / "abs_inner.json")
    os.symlink("sub/b.txt", ws / "rel_inner.txt")
    assert workspace.snapshot(ws, tmp_path / "snap") is None
    snap = tmp_path / "snap"
    assert not os.path.lexists(snap / "out.json") and not os.path.lexists(snap / "zero.json")
    assert not os.path.lexists(snap / "sub" / "up")
    assert os.readlink(snap / "abs_inner.json") == "a.json" and (snap / "abs_inner.json").read_text() == "{}"
    assert (snap / "rel_inner.txt").read_text() == "b"


def test_special_unreadable_and_untraversable_entries_do_not_break_it(tmp_path):
    ws = make(tmp_path / "ws", {"locked/x.json": "{}", "r.json": "{}"})
    os.mkfifo(ws / "fifo.json")
    os.chmod(ws / "r.json", 0)
    os.chmod(ws / "locked", 0)
    assert workspace.snapshot(ws, tmp_path / "snap") is None
    snap = tmp_path / "snap"
    assert (snap / "locked" / "x.json").read_text() == "{}" and (snap / "r.json").read_text() == "{}"
    assert not os.path.lexists(snap / "fifo.json")


def test_sparse_files_over_the_cap_are_refused_and_nothing_is_copied(tmp_path):
    ws = make(tmp_path / "ws", {"keep.py": "x"})
    with open(ws / "huge.bin", "wb") as f:
        f.truncate(workspace.MAX_SNAPSHOT_BYTES + 1)
    why = workspace.snapshot(ws, tmp_path / "snap")
    assert why and "bytes" in why
    assert list((tmp_path / "snap").iterdir()) == []


def test_sparse_file_under_the_cap_is_copied_sparse(tmp_path):
    ws = make(tmp_path / "ws", {})
    with open(ws / "sparse.bin", "wb") as f:
        f.write(b"head")
        f.truncate(2**30)
        f.seek(2**30 - 4)
        f.write(b"tail")
    assert workspace.snapshot(ws, tmp_path / "snap") is None
    copy = tmp_path / "snap" / "sparse.bin"
    st = copy.stat()
    assert st.st_size == 2**30 and st.st_blocks * 512 < 2**24
    with open(copy, "rb") as f:
        assert f.read(4) == b"head"
        f.seek(2**30 - 4)
        assert f.read() == b"tail"


@pytest.fixture
def scratch(tmp_path):
    """tmp_path, emptied with remove_tree afterwards (pytest's own cleanup recurses and cannot delete deep trees)."""
    yield tmp_path
    for child in tmp_path.iterdir():
        workspace.remove_tree(child)


def nest(ws: Path, depth: int, name: str) -> None:
    fd = os.open(ws, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir(name, dir_fd=fd)
        nxt = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = nxt
    os.close(fd)


@pytest.mark.parametrize("depth,name", [(3000, "d"), (20, "L" * 255)])
def test_deep_or_long_trees_are_refused(scratch, depth, name):
    ws = scratch / "ws"
    ws.mkdir()
    nest(ws, depth, name)
    why = workspace.snapshot(ws, scratch / "snap")
    assert why and ("deeper" in why or "longer" in why)


def test_too_many_entries_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(workspace, "MAX_SNAPSHOT_FILES", 50)
    ws = make(tmp_path / "ws", {f"f{i}.txt": "" for i in range(60)})
    assert "more than 50" in workspace.snapshot(ws, tmp_path / "snap")


def test_protected_digest_streams_and_normalises_crlf_across_chunks(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    body = b"x" * ((1 << 20) - 1) + b"\r\nend\r\n"
    a.write_bytes(body)
    b.write_bytes(body.replace(b"\r\n", b"\n"))
    assert workspace.file_digest(a) == workspace.file_digest(b)
    b.write_bytes(body.replace(b"\r\n", b"\n") + b"!")
    assert workspace.file_digest(a) != workspace.file_digest(b)


def test_remove_tree_handles_deep_long_and_locked_trees(tmp_path):
    ws = make(tmp_path / "ws", {"locked/x": "x"})
    for depth, name in ((3000, "d"), (24, "L" * 255)):
        nest(ws, depth, name)
    os.chmod(ws / "locked", 0)
    outside = make(tmp_path / "outside", {"keep": "k"})
    os.symlink(outside, ws / "link")
    workspace.remove_tree(ws)
    assert not os.path.lexists(ws)
    assert (outside / "keep").read_text() == "k"


def test_read_limited_refuses_links_devices_fifos_and_big_files(tmp_path):
    (tmp_path / "ok.json").write_text("{}")
    (tmp_path / "big.json").write_text("x" * 101)
    os.symlink("/dev/zero", tmp_path / "zero.json")
    os.symlink(tmp_path / "ok.json", tmp_path / "link.json")
    os.mkfifo(tmp_path / "fifo.json")
    assert workspace.read_limited(tmp_path / "ok.json", 100) == b"{}"
    for name in ("big.json", "zero.json", "link.json", "fifo.json", "missing.json"):
        assert workspace.read_limited(tmp_path / name, 100) is None, name
