"""PID 1 of a docker-sandbox container: the in-container half of the Unix-socket bridge, then the command.

    python3 -I -S container_init.py SOCKET_DIR PORT [PORT ...] -- ARGV ...

The container has no network (network "none"), only its own loopback. For each PORT this listens on
127.0.0.1:PORT inside the container and forwards every connection to SOCKET_DIR/PORT.sock, a Unix socket
bind-mounted from the host whose other end connects to 127.0.0.1:PORT on the host (the meter, the asset
mirror). Nothing else is reachable. Then it runs ARGV, passes SIGTERM/SIGINT on to it, and exits with its
status (128 + signal when killed); when it exits the container ends and the kernel ends every process
left in it. Standard library only: it runs on whatever python3 the container has.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading


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


def _serve(listener: socket.socket, path: str) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            up.connect(path)
        except OSError as exc:
            print(f"mldb bridge: {path}: {exc}", file=sys.stderr)
            conn.close()
            up.close()
            continue
        for a, b in ((conn, up), (up, conn)):
            threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def main(argv: list[str]) -> int:
    if "--" not in argv or len(argv) < 2:
        print("usage: container_init.py SOCKET_DIR [PORT ...] -- ARGV ...", file=sys.stderr)
        return 2
    cut = argv.index("--")
    sock_dir, ports, command = argv[0], argv[1:cut], argv[cut + 1:]
    for port in ports:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", int(port)))
        listener.listen(64)
        threading.Thread(target=_serve, args=(listener, os.path.join(sock_dir, f"{port}.sock")), daemon=True).start()
    try:
        proc = subprocess.Popen(command)
    except OSError as exc:
        print(f"mldb: cannot run {command[0]!r}: {exc}", file=sys.stderr)
        return 127

    def forward(sig, _frame):
        try:
            proc.send_signal(sig)
        except OSError:
            pass

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, forward)
    while True:
        try:
            code = proc.wait()
            break
        except InterruptedError:
            continue
    # reap orphans re-parented to PID 1 is not needed: the container ends with us
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
