"""Captured output of a sandbox run, capped: its head goes to the log as it comes, its tail is kept in memory
and written at the end, and what lies between is counted, not stored (a flood of any size costs no disk).

The cap holds for every run, agent and graded alike: `MLDB_OUTPUT_HEAD_MB` and `MLDB_OUTPUT_TAIL_MB`
(4 each by default) per stream.
"""
from __future__ import annotations

import os
import threading
from collections import deque
from pathlib import Path
from typing import BinaryIO, Iterable

MIB = 2**20
HEAD_BYTES = int(float(os.environ.get("MLDB_OUTPUT_HEAD_MB") or 4) * MIB)
TAIL_BYTES = int(float(os.environ.get("MLDB_OUTPUT_TAIL_MB") or 4) * MIB)


class CappedLog:
    """Write at most `head` + `tail` bytes of a stream to `path` (appending), with a note of what was dropped."""

    def __init__(self, path: Path, head: int = HEAD_BYTES, tail: int = TAIL_BYTES):
        self._lock = threading.Lock()
        self._file: BinaryIO | None = open(path, "ab")
        self.head_left, self.tail_max = head, tail
        self._tail: deque[bytes] = deque()
        self._tail_len = 0
        self.dropped = 0

    def write(self, data: bytes) -> None:
        with self._lock:
            if self._file is not None:
                self._write(data)

    def _write(self, data: bytes) -> None:
        if self.head_left > 0:
            part = data[:self.head_left]
            self._file.write(part)
            self._file.flush()
            self.head_left -= len(part)
            data = data[len(part):]
        if not data:
            return
        self._tail.append(data)
        self._tail_len += len(data)
        while self._tail_len - len(self._tail[0]) >= self.tail_max:  # whole chunks that fell out of the tail
            gone = self._tail.popleft()
            self._tail_len -= len(gone)
            self.dropped += len(gone)

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._close()
                self._file = None

    def _close(self) -> None:
        tail = b"".join(self._tail)
        if len(tail) > self.tail_max:
            self.dropped += len(tail) - self.tail_max
            tail = tail[-self.tail_max:]
        if self.dropped:
            self._file.write(f"\n[mldevbench: {self.dropped} bytes of output dropped here; the first "
                             f"{HEAD_BYTES // MIB} MiB and the last {TAIL_BYTES // MIB} MiB are kept]\n".encode())
        self._file.write(tail)
        self._file.close()


def pump(chunks: Iterable[bytes], log: CappedLog | None, closing: int | None = None) -> None:
    """Feed `chunks` to `log` (or drop them) until they end; then close the fd `closing`."""
    try:
        for chunk in chunks:
            if log is not None:
                log.write(chunk)
    finally:
        if closing is not None:
            os.close(closing)


def read_fd(fd: int, size: int = MIB) -> Iterable[bytes]:
    while True:
        try:
            chunk = os.read(fd, size)
        except OSError:
            return
        if not chunk:
            return
        yield chunk


class Capture:
    """Threads that drain the run's output streams into capped logs."""

    def __init__(self):
        self.logs: list[CappedLog] = []
        self._threads: list[threading.Thread] = []

    def follow(self, chunks: Iterable[bytes], path: Path | None, closing: int | None = None) -> None:
        log = CappedLog(path) if path is not None else None
        if log is not None:
            self.logs.append(log)
        t = threading.Thread(target=pump, args=(chunks, log, closing), daemon=True)
        t.start()
        self._threads.append(t)

    def close(self, timeout: float = 30) -> int:
        """Wait for the streams to end (every writer is gone by now), write the tails; bytes dropped in all."""
        for t in self._threads:
            t.join(timeout)
        for log in self.logs:
            log.close()
        return sum(log.dropped for log in self.logs)
