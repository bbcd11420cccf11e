"""The file-access audit: which hidden places a sandboxed run reached for, seen by the harness, not by the run.

A launcher (audit_launch.py) installs a seccomp filter with a user-notification listener before it execs
bubblewrap, and hands the listener to this process. Every process of the sandbox inherits the filter: each
`open`/`openat`/`openat2`, `execve`/`execveat` and `chdir` call, and each call that writes a path (`creat`,
`mkdir`, `unlink`, `rename`, `link`, `truncate`, `chmod`, `chown` and their `*at` forms: the first path),
waits while a thread here reads its path from `/proc/<pid>/mem`, and then goes on unchanged
(SECCOMP_USER_NOTIF_FLAG_CONTINUE). The audit allows and refuses no path: the mounts still decide what
exists (a race between the read and the call changes only what is recorded, never what is reached). The one
call it refuses is `io_uring_setup` (ENOSYS; programs fall back to plain calls), since io_uring opens files
past any filter.

What bubblewrap does before it execs the run's init (resolving the sources of its mounts on the host) is
the harness's own doing and not recorded: recording starts at the second `execve` (the launcher's of
bubblewrap is the first).

A path is a *probe* when it lies in one of the run's hidden places (`SandboxSpec.hidden_paths`: the
repository, the output and scratch folders holding other trials, the caches, the harness's home) outside
everything the run is shown (its binds) and its own folders (`SandboxSpec.audit`); listing a folder on the
way to a shown path is one. The `stat` family is not audited (Python's start, `pytest` and `git` look
upwards with it, and reading anything, a listing included, takes an open), which keeps the cost low. Paths
are taken as text, resolved against the process's working or `dirfd` folder; a link inside a shown folder
that points into a hidden place is seen under its own name (the audit does not follow links).
"""
from __future__ import annotations

import ctypes
import errno
import os
import select
import socket
import struct
import sys
import threading
import time
from pathlib import Path

LAUNCHER = Path(__file__).with_name("audit_launch.py")
MAX_KEPT = 50  # distinct probes kept per run (the count says how many there were)
AT_FDCWD = -100
RET_ALLOW, RET_USER_NOTIF, RET_ENOSYS = 0x7FFF0000, 0x7FC00000, 0x00050000 | errno.ENOSYS
NOTIF_RECV, NOTIF_SEND, NOTIF_ID_VALID = 0xC0502100, 0xC0182101, 0x40082102
FLAG_CONTINUE = 1
# per architecture: audit arch, {nr: (path arg, dirfd arg or None)}: open, openat, openat2, execve, execveat, chdir,
# and the calls that write a path (creat, mkdir*, rmdir, unlink*, rename*, link*, truncate, chmod*, chown*)
CALLS = {
    "x86_64": (0xC000003E, {
        2: (0, None), 257: (1, 0), 437: (1, 0), 59: (0, None), 322: (1, 0), 80: (0, None),
        85: (0, None), 83: (0, None), 258: (1, 0), 84: (0, None), 87: (0, None), 263: (1, 0), 82: (0, None),
        264: (1, 0), 316: (1, 0), 86: (0, None), 265: (1, 0), 76: (0, None), 90: (0, None), 268: (1, 0),
        92: (0, None), 94: (0, None), 260: (1, 0)}),
    "aarch64": (0xC00000B7, {
        56: (1, 0), 437: (1, 0), 221: (0, None), 281: (1, 0), 49: (0, None), 34: (1, 0), 35: (1, 0), 38: (1, 0),
        276: (1, 0), 37: (1, 0), 45: (0, None), 53: (1, 0), 54: (1, 0)}),
}
IO_URING_SETUP = 425  # both architectures: io_uring opens files past any filter, so an audited run has none
EXECS = {"x86_64": (59, 322), "aarch64": (221, 281)}


def supported() -> bool:
    return os.uname().machine in CALLS


def program(machine: str | None = None) -> bytes:
    """BPF: the calls of CALLS on the native ABI → notify the listener; io_uring_setup → ENOSYS (programs fall
    back to plain system calls; docker's default profile refuses it too); all else allowed (other ABIs are
    refused by the init's own filter)."""
    audit, calls = CALLS[machine or os.uname().machine]
    ld, jeq, ret = 0x20, 0x15, 0x06
    nrs = sorted(calls)
    code = [(ld, 4, 0, 0), (jeq, audit, 1, 0), (ret, RET_ALLOW, 0, 0), (ld, 0, 0, 0),
            (jeq, IO_URING_SETUP, 0, 1), (ret, RET_ENOSYS, 0, 0)]
    for i, nr in enumerate(nrs):  # each match jumps to the notify at the end
        code.append((jeq, nr, len(nrs) - i, 0))
    code += [(ret, RET_ALLOW, 0, 0), (ret, RET_USER_NOTIF, 0, 0)]
    return b"".join(struct.pack("HBBI", op, jt, jf, k) for op, k, jt, jf in code)


class FileAudit:
    """One run's audit: `wrap(argv)` puts the launcher before bubblewrap (pass `fd` to it); a thread serves
    the listener until the run's last process is gone; `probes()` is what it saw."""

    def __init__(self, hidden: list[Path], shown: list[Path]):
        self._hidden = tuple(os.path.normpath(str(p)) for p in hidden)
        self._shown = tuple(os.path.normpath(str(p)) for p in shown)
        self._seen: dict[str, None] = {}
        self.count = 0   # probes, repeats included
        self.calls = 0   # calls audited
        self._closed = False
        self._ours, theirs = socket.socketpair()
        self.fd = theirs.detach()
        self._calls = CALLS[os.uname().machine][1]
        self._execs = EXECS[os.uname().machine]
        self._thread = threading.Thread(target=self._serve, name="mldb-fileaudit", daemon=True)
        self._thread.start()

    def wrap(self, argv: list[str]) -> list[str]:
        return [sys.executable, "-I", "-S", str(LAUNCHER), str(self.fd), program().hex(), "--", *argv]

    def probes(self) -> list[str]:
        """Distinct probes in the order seen (at most MAX_KEPT; `count` has them all, repeats included). Called
        once the run has ended: waits (briefly) for the listener's thread to finish."""
        self._closed = True
        self._thread.join(5)
        return list(self._seen)

    def close(self, wait_s: float = 5.0) -> None:
        self._closed = True
        try:
            self._ours.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._thread.join(wait_s)
        self._ours.close()
        try:
            os.close(self.fd)
        except OSError:
            pass

    # -- the listener's thread ------------------------------------------------------------------------
    def _serve(self) -> None:
        try:
            _, fds, _, _ = socket.recv_fds(self._ours, 1, 1)
        except OSError:
            return
        if not fds:
            return
        listener = fds[0]
        libc = ctypes.CDLL(None, use_errno=True)
        libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]
        notif = ctypes.create_string_buffer(80)
        resp = ctypes.create_string_buffer(24)
        ident = ctypes.c_uint64()
        execs = 0  # the launcher's exec of bubblewrap, then bubblewrap's of the init: the run starts there
        poll = select.poll()
        poll.register(listener, select.POLLIN)
        mems: dict[int, int] = {}
        try:
            while True:
                events = poll.poll(500)
                if not events:
                    if self._closed:
                        break
                    continue
                if not events[0][1] & select.POLLIN:  # POLLHUP: may come while processes still run (a task
                    if self._closed:                    # that installs a filter of its own): wait for the end
                        break
                    time.sleep(0.02)
                    continue
                ctypes.memset(notif, 0, 80)
                if libc.ioctl(listener, NOTIF_RECV, notif) != 0:
                    if ctypes.get_errno() in (errno.EINTR, errno.ENOENT):
                        continue
                    break
                nid, pid, _, nr, _, _, *args = struct.unpack_from("QIIiIQ6Q", notif)
                try:
                    path = self._path(pid, nr, args, mems)
                except Exception:  # noqa: BLE001 - the call must go on whatever this thread fails at
                    path = None
                ident.value = nid
                valid = libc.ioctl(listener, NOTIF_ID_VALID, ctypes.byref(ident)) == 0  # the read was of that call
                struct.pack_into("QqiI", resp, 0, nid, 0, 0, FLAG_CONTINUE)
                libc.ioctl(listener, NOTIF_SEND, resp)
                self.calls += 1
                if nr in self._execs:
                    execs += 1
                if valid and path is not None and execs >= 2:
                    self._note(path)
        finally:
            for fd in mems.values():
                os.close(fd)
            os.close(listener)

    def _path(self, pid: int, nr: int, args: list[int], mems: dict[int, int]) -> str | None:
        call = self._calls.get(nr)
        if call is None:
            return None
        path_arg, dirfd_arg = call
        raw = b""
        for _ in (0, 1):  # a cached fd of a pid whose process has since exec'd reads nothing: open it afresh once
            fd = mems.get(pid)
            if fd is None:
                if len(mems) >= 256:  # fds of processes long gone
                    for old in mems.values():
                        os.close(old)
                    mems.clear()
                try:
                    fd = mems[pid] = os.open(f"/proc/{pid}/mem", os.O_RDONLY | os.O_CLOEXEC)
                except OSError:
                    return None
            try:
                raw = os.pread(fd, 4096, args[path_arg])
            except OSError:
                raw = b""
            if raw:
                break
            os.close(mems.pop(pid))
        text = raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        if not text:
            return None
        if not text.startswith("/"):
            dirfd = ctypes.c_int32(args[dirfd_arg]).value if dirfd_arg is not None else AT_FDCWD
            where = f"/proc/{pid}/cwd" if dirfd == AT_FDCWD else f"/proc/{pid}/fd/{dirfd}"
            try:
                text = os.path.join(os.readlink(where), text)
            except OSError:
                return None
        return text

    def _note(self, path: str) -> None:
        if self.is_probe(path):
            self.count += 1
            if len(self._seen) < MAX_KEPT:
                self._seen.setdefault(os.path.normpath(path), None)

    def is_probe(self, path: str) -> bool:
        p = os.path.normpath(path)
        return any(_within(p, h) for h in self._hidden) and not any(_within(p, s) for s in self._shown)


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")
