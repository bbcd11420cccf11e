"""Byte-deterministic writers shared by the smoke generators: tar/zip/gzip, Python-2 style pickles, seeds."""
from __future__ import annotations

import gzip
import hashlib
import io
import struct
import tarfile
import zipfile
from pathlib import Path

import numpy as np

FIXED_MTIME = 1_262_304_000  # 2010-01-01T00:00:00Z, stamped on every archive member


def rng(seed: int, *names: object) -> np.random.Generator:
    """A numpy generator seeded from the asset seed and a path of names (stable across Python runs)."""
    digest = hashlib.sha256(repr((seed,) + names).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def gzip_bytes(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=6) as gz:
        gz.write(data)
    return buf.getvalue()


def write_tar(path: Path, members: dict[str, bytes], compress: bool) -> None:
    """Tar with sorted members, parent directory entries, fixed mtime/owner; gzip header without time."""
    dirs = sorted({str(Path(name).parents[i]) for name in members for i in range(len(Path(name).parents) - 1)})
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name in sorted(set(dirs) | set(members)):
            info = tarfile.TarInfo(name)
            info.mtime, info.uid, info.gid, info.uname, info.gname = FIXED_MTIME, 0, 0, "", ""
            if name in members:
                info.size, info.mode = len(members[name]), 0o644
                tar.addfile(info, io.BytesIO(members[name]))
            else:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
    path.write_bytes(gzip_bytes(raw.getvalue()) if compress else raw.getvalue())


def write_zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=(2010, 1, 1, 0, 0, 0))
            info.compress_type, info.external_attr, info.create_system = zipfile.ZIP_DEFLATED, 0o644 << 16, 3
            zf.writestr(info, members[name])


class Py2Str(bytes):
    """An 8-bit Python-2 `str`: pickled as BINSTRING, so `encoding='latin1'` gives str, `'bytes'` gives bytes."""


def py2_pickle(obj: object) -> bytes:
    """Protocol-2 pickle as Python 2's cPickle wrote CIFAR: 8-bit strings, numpy arrays via _reconstruct."""
    out = bytearray(b"\x80\x02")
    _emit(out, obj)
    out += b"."
    return bytes(out)


def _emit(out: bytearray, obj: object) -> None:
    if obj is None:
        out += b"N"
    elif isinstance(obj, bool):
        out += b"\x88" if obj else b"\x89"
    elif isinstance(obj, (int, np.integer)):
        v = int(obj)
        if 0 <= v < 256:
            out += b"K" + bytes([v])
        elif 0 <= v < 65536:
            out += b"M" + struct.pack("<H", v)
        else:
            out += b"J" + struct.pack("<i", v)
    elif isinstance(obj, str):
        _emit(out, Py2Str(obj.encode("latin1")))
    elif isinstance(obj, bytes):
        if len(obj) < 256:
            out += b"U" + bytes([len(obj)]) + obj
        else:
            out += b"T" + struct.pack("<I", len(obj)) + obj
    elif isinstance(obj, tuple):
        out += b"("
        for item in obj:
            _emit(out, item)
        out += b"t"
    elif isinstance(obj, list):
        out += b"]("
        for item in obj:
            _emit(out, item)
        out += b"e"
    elif isinstance(obj, dict):
        out += b"}("
        for key, value in obj.items():
            _emit(out, key)
            _emit(out, value)
        out += b"u"
    elif isinstance(obj, np.ndarray):
        _emit_ndarray(out, obj)
    else:
        raise TypeError(f"py2_pickle: unsupported type {type(obj).__name__}")


def _emit_ndarray(out: bytearray, arr: np.ndarray) -> None:
    if arr.dtype not in (np.uint8, np.int64):
        raise TypeError("py2_pickle: only uint8/int64 arrays")
    out += b"cnumpy.core.multiarray\n_reconstruct\n"
    out += b"(cnumpy\nndarray\n"
    _emit(out, (0,))
    _emit(out, Py2Str(b"b"))
    out += b"tR"
    out += b"(K\x01"
    _emit(out, tuple(int(d) for d in arr.shape))
    out += b"cnumpy\ndtype\n"
    _emit(out, (Py2Str(b"u1" if arr.dtype == np.uint8 else b"i8"), False, True))
    out += b"R"
    _emit(out, (3, Py2Str(b"|" if arr.dtype == np.uint8 else b"<"), None, None, None, -1, -1, 0))
    out += b"b"
    out += b"\x89"
    _emit(out, Py2Str(np.ascontiguousarray(arr).tobytes()))
    out += b"tb"


def md5_file(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def md5_bytes(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()
