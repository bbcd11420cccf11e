"""grading/files.py: containment of paths the agent wrote, bounded reads, numbers."""
import os

from pytest_mldevbench.grading import files


def test_contained_maps_relative_and_workspace_absolute_paths_into_the_copy(tmp_path):
    snap, ws = tmp_path / "snap", tmp_path / "ws"
    (snap / "out").mkdir(parents=True)
    (snap / "out" / "a.json").write_text("{}")
    assert files.contained(snap, "out/a.json") == (snap / "out" / "a.json").resolve()
    assert files.contained(snap, str(ws / "out" / "a.json"), workspace=ws) == (snap / "out" / "a.json").resolve()
    assert files.contained(snap, "a.json", base=snap / "out") == (snap / "out" / "a.json").resolve()


def test_contained_refuses_what_leaves_the_copy(tmp_path):
    snap, ws = tmp_path / "snap", tmp_path / "ws"
    snap.mkdir()
    (tmp_path / "secret").write_text("x")
    os.symlink(tmp_path / "secret", snap / "link")
    os.symlink(ws / "inner", snap / "ws_link")  # an absolute link into the workspace is followed in the copy
    (snap / "inner").write_text("y")
    assert files.contained(snap, "link") is None
    assert files.contained(snap, "../secret") is None
    assert files.contained(snap, "/etc/passwd", workspace=ws) is None
    assert files.contained(snap, "ws_link", workspace=ws) == (snap / "inner").resolve()
    for bad in (None, 3, "", "  ", "a\0b"):
        assert files.contained(snap, bad) is None


def test_bounded_reads(tmp_path):
    (tmp_path / "big").write_bytes(b"x" * 101)
    (tmp_path / "j").write_text('{"a": 1}')
    os.symlink("/dev/zero", tmp_path / "zero")
    os.mkfifo(tmp_path / "fifo")
    assert files.read_bytes(tmp_path / "big", 100) is None and files.read_bytes(tmp_path / "big", 101) == b"x" * 101
    assert files.read_json(tmp_path / "j") == {"a": 1}
    assert files.read_text(tmp_path / "zero") is None and files.read_text(tmp_path / "fifo") is None
    assert files.read_json(tmp_path / "big") is None and files.read_json(None) is None


def test_numbers_and_last_json_line():
    assert files.finite(1) and files.finite(2.5) and not files.finite(True) and not files.finite(float("nan"))
    assert files.number("1") is None and files.number(3) == 3.0
    assert files.integer(3) and not files.integer(False) and not files.integer(3.0)
    assert files.last_json_line('noise\n{"ok": true}\n\n') == {"ok": True}
    assert files.last_json_line("not json") is None and files.last_json_line("") is None


def test_collect_copies_regular_files_within_the_limit(tmp_path):
    from types import SimpleNamespace

    from pytest_mldevbench.grading.context import GradingContext
    (tmp_path / "priv").mkdir()
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / "model.pt").write_bytes(b"1234")
    os.symlink("/etc/passwd", tmp_path / "ckpt" / "link")
    (tmp_path / "m.json").write_text("{}")
    grading = GradingContext.__new__(GradingContext)
    grading._trial = SimpleNamespace(private=tmp_path / "priv")
    out = grading.collect(tmp_path / "ckpt", tmp_path / "m.json", tmp_path / "missing")
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == ["ckpt/model.pt", "m.json"]
    out = grading.collect(tmp_path / "ckpt", tmp_path / "m.json", limit=5)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == ["ckpt/model.pt"]
