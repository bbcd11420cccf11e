"""The file-access audit's launcher (fileaudit.py): `python -I -S audit_launch.py SOCK_FD PROGRAM_HEX -- argv...`.

It installs the given seccomp filter with a user-notification listener (SECCOMP_FILTER_FLAG_NEW_LISTENER),
hands the listener to the harness over the socket `SOCK_FD`, and execs `argv` (bubblewrap). Everything the
sandbox then runs inherits the filter: each system call the filter names waits until the harness has read
its path and let it go on as it was (SECCOMP_USER_NOTIF_FLAG_CONTINUE). Standard library only; runs on the
host, before any agent code.
"""
import ctypes
import os
import socket
import struct
import sys

SYS_SECCOMP = {"x86_64": 317, "aarch64": 277}
SECCOMP_SET_MODE_FILTER, FILTER_FLAG_NEW_LISTENER, PR_SET_NO_NEW_PRIVS = 1, 1 << 3, 38


def main(argv: list[str]) -> int:
    sock_fd, program, command = int(argv[0]), bytes.fromhex(argv[1]), argv[3:]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    if os.geteuid() != 0 and libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:  # root needs none (CAP_SYS_ADMIN)
        sys.exit(f"mldb audit: no_new_privs: {os.strerror(ctypes.get_errno())}")
    buf = ctypes.create_string_buffer(program, len(program))
    fprog = struct.pack("HxxxxxxQ", len(program) // 8, ctypes.addressof(buf))
    fbuf = ctypes.create_string_buffer(fprog, len(fprog))
    listener = libc.syscall(ctypes.c_long(SYS_SECCOMP[os.uname().machine]), ctypes.c_long(SECCOMP_SET_MODE_FILTER),
                            ctypes.c_long(FILTER_FLAG_NEW_LISTENER), fbuf)
    if listener < 0:
        sys.exit(f"mldb audit: installing the seccomp listener: {os.strerror(ctypes.get_errno())}")
    with socket.socket(fileno=sock_fd) as sock:
        socket.send_fds(sock, [b"l"], [listener])
    os.close(listener)
    os.execv(command[0], command)  # waits for the harness like every audited call


if __name__ == "__main__":
    main(sys.argv[1:])
