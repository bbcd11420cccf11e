"""The grader's reference cache: computed once per content key, recomputed when any input byte changes."""
from pytest_mldevbench.refcache import cached, content_key


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
