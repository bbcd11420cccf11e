"""The host half of the docker sandbox's Unix-socket bridge.

A container runs with network "none". For each loopback port it may reach (the meter, the asset mirror)
the host listens on a Unix socket `<dir>/<port>.sock`, which is bind-mounted into the container, and
connects every accepted connection to 127.0.0.1:<port> on the host. The container's side
(`container_init.py`) listens on 127.0.0.1:<port> inside, so URLs in the environment and the prompt work
unchanged. No IP route exists from the container to anything.
"""
from __future__ import annotations

import re
import shutil
import socket
import tempfile
import threading
from pathlib import Path

LOOPBACK_URL = re.compile(r"\b(?:127\.0\.0\.1|localhost):(\d{1,5})\b")


def loopback_ports(texts) -> list[int]:
    """The ports of loopback URLs found in these strings (the environment the harness gives a command)."""
    ports = {int(m) for t in texts for m in LOOPBACK_URL.findall(t or "")}
    return sorted(p for p in ports if 0 < p < 65536)


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            try:
                s.shutdown(how)
            except OSError:
                pass


class UnixBridge:
    """Unix sockets in a private folder, one per port, each forwarding to the host's 127.0.0.1:<port>."""

    def __init__(self, ports: list[int], root: Path | None = None):
        self.ports = list(ports)
        self.dir = Path(tempfile.mkdtemp(prefix="mldb-bridge-", dir=root))
        self.dir.chmod(0o755)
        self._listeners: list[socket.socket] = []
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        for port in self.ports:
            path = self.dir / f"{port}.sock"
            lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            lst.bind(str(path))
            path.chmod(0o777)  # the container's unprivileged user connects to it
            lst.listen(64)
            self._listeners.append(lst)
            threading.Thread(target=self._serve, args=(lst, port), daemon=True).start()

    def _serve(self, lst: socket.socket, port: int) -> None:
        while True:
            try:
                conn, _ = lst.accept()
            except OSError:
                return
            try:
                up = socket.create_connection(("127.0.0.1", port), timeout=10)
                up.settimeout(None)
            except OSError:
                conn.close()
                continue
            with self._lock:
                self._conns += [conn, up]
            for a, b in ((conn, up), (up, conn)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            socks = self._listeners + self._conns
            self._listeners, self._conns = [], []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in accept()/recv()
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
