"""The grader's reference cache: computed once per content key, recomputed when any input byte changes."""
import pytest

from pytest_mldevbench.refcache import built_once, cached, content_key


def test_computes_once_and_reuses(tmp_path):
    data = tmp_path / "data.bin"
    data.write_bytes(b"abc")
    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    assert cached(["t", data], compute, root=tmp_path) == {"n": 1}
    assert cached(["t", data], compute, root=tmp_path) == {"n": 1}
    assert len(calls) == 1
    data.write_bytes(b"abd")
    assert cached(["t", data], compute, root=tmp_path) == {"n": 2}


def test_key_covers_folder_names_and_bytes(tmp_path):
    folder = tmp_path / "ckpt"
    folder.mkdir()
    (folder / "a.json").write_text("1")
    first = content_key([folder])
    (folder / "a.json").rename(folder / "b.json")
    assert content_key([folder]) != first
    assert content_key(["x", "y"]) != content_key(["xy"])


def test_built_once_builds_one_folder_and_leaves_nothing_after_a_failed_build(tmp_path):
    target = tmp_path / "derived-1"
    calls = []

    def build(out):
        calls.append(out)
        (out / "split.json").write_text("{}")

    assert built_once(target, build) == target and (target / "split.json").is_file()
    assert built_once(target, build) == target and len(calls) == 1
    assert calls[0] != target  # built beside it, then renamed into place

    def broken(out):
        (out / "half").write_text("x")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        built_once(tmp_path / "derived-2", broken)
    assert not (tmp_path / "derived-2").exists()
