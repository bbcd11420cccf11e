"""Flags from the outputs an agent left against what it was given (output_evidence.py)."""
from __future__ import annotations

import os

from pytest_mldevbench.output_evidence import output_flags


def _given(tmp_path):
    given = tmp_path / "given"
    (given / "ckpt").mkdir(parents=True)
    (given / "ckpt" / "base.pt").write_bytes(os.urandom(4096))
    (given / "train.py").write_text("print('train')\n" * 10)
    return given


def _snap(tmp_path, given):
    snap = tmp_path / "snap"
    os.system(f"cp -a {given} {snap}")
    return snap


def test_honest_outputs_are_clean(tmp_path):
    given = _given(tmp_path)
    snap = _snap(tmp_path, given)
    (snap / "model.pt").write_bytes(os.urandom(5000))
    (snap / "metrics.json").write_text('{"accuracy": 0.81, "loss": 0.52, "epochs": 3, "note": "trained for real"}')
    (snap / "train_copy.py").write_text((given / "train.py").read_text())  # code copied around: not data
    (snap / "__init__.py").write_text("")
    (snap / "best").mkdir()  # a checkpoint copied whole, names kept
    (snap / "best" / "model.pt").write_bytes((snap / "model.pt").read_bytes())
    (snap / "data").mkdir()  # a given file moved into place under its own name
    (snap / "data" / "base.pt").write_bytes((given / "ckpt" / "base.pt").read_bytes())
    (snap / "ckpts").mkdir()  # `cp best_epoch.pt best.pt`: one checkpoint saved under two names
    (snap / "ckpts" / "best_epoch.pt").write_bytes(os.urandom(6000))
    (snap / "ckpts" / "best.pt").write_bytes((snap / "ckpts" / "best_epoch.pt").read_bytes())
    assert list(output_flags(given, snap)) == []


def test_a_given_checkpoint_under_an_output_name(tmp_path):
    given = _given(tmp_path)
    snap = _snap(tmp_path, given)
    (snap / "out").mkdir()
    (snap / "out" / "best.pt").write_bytes((given / "ckpt" / "base.pt").read_bytes())
    got = list(output_flags(given, snap))
    assert ("output_copies_input", "out/best.pt: the bytes of given ckpt/base.pt") in got


def test_an_input_folders_file_and_one_fake_under_many_names(tmp_path):
    given = _given(tmp_path)
    snap = _snap(tmp_path, given)
    torch_home = tmp_path / "torch" / "hub" / "checkpoints"
    torch_home.mkdir(parents=True)
    (torch_home / "resnet18.pth").write_bytes(os.urandom(3000))
    (snap / "model.pth").write_bytes((torch_home / "resnet18.pth").read_bytes())
    fake = os.urandom(700)
    for name in ("a.json", "b.npy", "c.csv"):
        (snap / name).write_bytes(fake)
    got = list(output_flags(given, snap, [tmp_path / "torch"]))
    assert ("output_copies_input", f"model.pth: the bytes of {torch_home / 'resnet18.pth'}") in got
    assert ("outputs_identical", "3 outputs with the same bytes: a.json, b.npy, c.csv") in got


def test_identical_checkpoints_are_not_outputs_identical_but_a_given_one_renamed_still_flags(tmp_path):
    given = _given(tmp_path)
    snap = _snap(tmp_path, given)
    fake = os.urandom(900)
    for name in ("model.pt", "model_scripted.pt", "best.ckpt"):  # one fake under every checkpoint name
        (snap / name).write_bytes(fake)
    assert list(output_flags(given, snap)) == []  # what grading finds by loading them, not a flag
    (snap / "final.pt").write_bytes((given / "ckpt" / "base.pt").read_bytes())
    assert list(output_flags(given, snap)) == [("output_copies_input", "final.pt: the bytes of given ckpt/base.pt")]


def test_placeholders(tmp_path):
    given = _given(tmp_path)
    snap = _snap(tmp_path, given)
    (snap / "model.pt").write_bytes(b"")
    (snap / "results.json").write_text("TODO")
    (snap / "notes.txt").write_text("")
    assert sorted(output_flags(given, snap)) == [("output_placeholder", "model.pt: left empty"),
                                                 ("output_placeholder", "results.json: not JSON")]
