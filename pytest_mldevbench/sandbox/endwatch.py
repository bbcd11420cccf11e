"""What a sandboxed command left running when it ended, counted by the harness from the run's cgroup.

Inside the sandbox everything ends with its PID namespace once the init exits, so the harness cannot look
afterwards; the init (init.py `--report-fd`) tells it when the command has ended and waits for the count.
The count is the kernel's list read by the harness; the init only says when to read it (an agent that stops
the init from saying so ends its own sandbox, and with it what it left).
"""
from __future__ import annotations

import os
import socket
import threading

from .cgroups import RunCgroup


class EndWatch:
    """Counts what a run's command left running: the init (init.py `--report-fd`) says over a socket pair when
    the command has ended; the harness then reads the run's `cgroup.procs` (the kernel's list: the init itself
    and whatever the command started and left) and answers, so the init ends the sandbox only after the count."""

    def __init__(self, group: RunCgroup):
        self._group, self._count = group, 0
        self._ours, theirs = socket.socketpair()
        self.init_fd = theirs.detach()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        try:
            if self._ours.recv(1):
                self._count = max(0, len(self._group.pids()) - 1)  # the init itself is one
                self._ours.sendall(b"k")
        except OSError:
            pass

    def survivors(self) -> int:
        return self._count

    def close(self) -> None:
        for close in (lambda: os.close(self.init_fd), lambda: self._ours.shutdown(socket.SHUT_RDWR),
                      self._ours.close):
            try:
                close()
            except OSError:
                pass
