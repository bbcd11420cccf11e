"""What a sandboxed command left behind when it ended, read by the harness: the processes still in the run's
cgroup, and the network attempts its private network namespace refused.

Inside the sandbox everything ends with its PID and network namespaces once the init exits, so the harness
cannot look afterwards; the init (init.py `--report-fd`) tells it when the command has ended and waits for
the reading. The figures are the kernel's (the cgroup's `cgroup.procs`; the namespace's own SNMP counters in
`/proc/<pid>/net/snmp`: connects refused, e.g. a loopback port nobody listens on, and packets with no route,
e.g. any address off the machine or a DNS server), read by the harness; the init only says when (an agent
that stops it from saying so ends its own sandbox, and with it what it left).
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
        self._group, self._count, self._net = group, 0, {}
        self._ours, theirs = socket.socketpair()
        self.init_fd = theirs.detach()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        try:
            if self._ours.recv(1):
                pids = self._group.pids()
                self._count = max(0, len(pids) - 1)  # the init itself is one
                self._net = net_refusals(pids[0]) if pids else {}
                self._ours.sendall(b"k")
        except OSError:
            pass

    def survivors(self) -> int:
        return self._count

    def network_refused(self) -> dict[str, int]:
        return self._net

    def close(self) -> None:
        for close in (lambda: os.close(self.init_fd), lambda: self._ours.shutdown(socket.SHUT_RDWR),
                      self._ours.close):
            try:
                close()
            except OSError:
                pass


# (file, counter) of the namespace's SNMP counters that count refused network attempts
NET_COUNTERS = {("snmp", "Tcp", "AttemptFails"): "connects refused", ("snmp", "Ip", "OutNoRoutes"): "no route",
                ("snmp6", "", "Ip6OutNoRoutes"): "no route (IPv6)"}


def net_refusals(pid: int) -> dict[str, int]:
    """The refused-attempt counters of the network namespace of `pid` (a fresh one per sandbox run: they
    start at 0), non-zero ones only; {} when they cannot be read."""
    tables: dict[str, dict[str, str]] = {}
    for name in ("snmp", "snmp6"):
        try:
            lines = open(f"/proc/{pid}/net/{name}").read().splitlines()
        except OSError:
            continue
        table = tables.setdefault(name, {})
        if name == "snmp":  # "Proto: names" then "Proto: values"
            for head, values in zip(lines[::2], lines[1::2]):
                proto = head.split(":")[0]
                table.update({f"{proto}.{k}": v for k, v in zip(head.split()[1:], values.split()[1:])})
        else:  # "name value" per line
            table.update({f".{k}": v for k, v in (line.split()[:2] for line in lines if len(line.split()) >= 2)})
    out = {}
    for (name, proto, key), words in NET_COUNTERS.items():
        value = tables.get(name, {}).get(f"{proto}.{key}", "0")
        if value.isdigit() and int(value) > 0:
            out[words] = out.get(words, 0) + int(value)
    return out
