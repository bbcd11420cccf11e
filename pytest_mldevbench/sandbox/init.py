"""The first process inside every sandbox (local and docker): drop every privilege, bridge the allowed
ports, run the command.

    python3 -I -S init.py [--user UID:GID] [--cgroup-fd FD ...] [--report-fd FD] [--rlimit NAME=N ...]
                          [--bridge DIR PORT ...] -- ARGV ...

In order:
1. join the trial's cgroups (`--cgroup-fd`: open `cgroup.procs` files the harness passed in), so the
   command and everything it starts count against the trial's memory and process limits;
2. with `--user` and running as root (the local sandbox when the harness is root): empty the capability
   bounding set, drop the supplementary groups and become UID:GID for good (real, effective and saved);
3. clear the inheritable and ambient capabilities, set no_new_privs (no setuid bit or file capability can
   give any back), apply the `--rlimit`s;
4. install a seccomp filter that refuses to create namespaces (a new user namespace is the one way an
   unprivileged process gets capabilities again) and 32-bit/x32 system calls (which would slip past it);
5. check all of it in /proc/self/status (capabilities all zero, NoNewPrivs 1, the filter on, not uid 0):
   anything else ends here with exit 125 and one line on stderr, before any command runs;
6. for each PORT forward the connections to 127.0.0.1:PORT (the sandbox's own loopback: it has no other
   network; listened on before step 2, so ports below 1024 work too) to DIR/PORT.sock, a Unix socket whose
   host end connects to 127.0.0.1:PORT on the host (bridge.py: the meter, the asset mirror), so the URLs
   the environment gives work unchanged;
7. run ARGV, pass SIGTERM/SIGINT on, and exit with its status (128 + signal when killed); with
   `--report-fd`, once ARGV has ended, tell the harness and wait (bounded) while it counts the processes
   left in the run's cgroup (the kernel's list, read by the harness: evidence the init cannot forge).
Standard library only: it runs on whatever python3 the sandbox has. It starts before every sandboxed
command, so it imports only low-level modules (`_socket`, `_thread`, `_signal`: subprocess, socket and
threading would cost ~50 ms a run).
"""
from __future__ import annotations

import _signal
import _socket
import _thread
import ctypes
import os
import resource
import struct
import sys

PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 38, 24, 47, 4
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
RET_ALLOW, RET_ERRNO = 0x7FFF0000, 0x00050000
# every CLONE_NEW* flag: NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME
NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x80
# audit arch, then the numbers of clone, unshare, clone3
ARCHES = {"x86_64": (0xC000003E, 56, 272, 435), "aarch64": (0xC00000B7, 220, 97, 435)}
RLIMITS = {"nproc": resource.RLIMIT_NPROC, "data": resource.RLIMIT_DATA, "fsize": resource.RLIMIT_FSIZE,
           "core": resource.RLIMIT_CORE}


class Refused(Exception):
    """The sandbox cannot be made safe here; the message is the one line the harness reports."""


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    return libc


def _prctl(libc, option: int, arg2: int = 0, arg3: int = 0, what: str = "prctl") -> None:
    if libc.prctl(option, arg2, arg3, 0, 0) != 0:
        raise Refused(f"{what}: {os.strerror(ctypes.get_errno())}")


def join_cgroups(fds: list[int]) -> None:
    for fd in fds:
        try:
            os.write(fd, b"0")  # "0": the writing process itself
        except OSError as exc:
            raise Refused(f"cannot join the trial's cgroup: {exc.strerror}") from None
        os.close(fd)


def become(libc, uid: int, gid: int) -> None:
    """As root: empty the bounding set (needs CAP_SETPCAP, so first), then change credentials for good."""
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    for cap in range(last + 1):
        _prctl(libc, PR_CAPBSET_DROP, cap, what="dropping the capability bounding set")
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)  # from uid 0 to another: permitted and effective capabilities are cleared


def clear_capabilities(libc) -> None:
    _prctl(libc, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, what="clearing ambient capabilities")
    header = struct.pack("II", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = ctypes.create_string_buffer(24)    # two (effective, permitted, inheritable) words, all zero
    if libc.capset(ctypes.c_char_p(header), data) != 0:
        raise Refused(f"clearing capabilities: {os.strerror(ctypes.get_errno())}")
    _prctl(libc, PR_SET_NO_NEW_PRIVS, 1, what="setting no_new_privs")


def seccomp_program() -> bytes:
    """BPF: other ABIs → ENOSYS; clone3 → ENOSYS (its flags are out of reach; libc falls back to clone);
    clone/unshare with a namespace flag → EPERM; everything else allowed."""
    arch = ARCHES.get(os.uname().machine)
    if arch is None:
        raise Refused(f"no seccomp filter for the {os.uname().machine} architecture")
    audit, clone, unshare, clone3 = arch
    ld, jeq, jset, jge, ret = 0x20, 0x15, 0x45, 0x35, 0x06

    def op(code, k, jt=0, jf=0):
        return struct.pack("HBBI", code, jt, jf, k)

    enosys, eperm = RET_ERRNO | 38, RET_ERRNO | 1
    prog = [
        op(ld, 4),                       # 0: arch
        op(jeq, audit, 1, 0),            # 1: native? skip the next
        op(ret, enosys),                 # 2
        op(ld, 0),                       # 3: nr
        op(jge, 0x40000000, 0, 1),       # 4: x32 system call numbers
        op(ret, enosys),                 # 5
        op(jeq, clone3, 0, 1),           # 6
        op(ret, enosys),                 # 7
        op(jeq, clone, 1, 0),            # 8
        op(jeq, unshare, 0, 3),          # 9: neither: allow (13)
        op(ld, 16),                      # 10: low word of the first argument (the flags)
        op(jset, NAMESPACE_FLAGS, 0, 1), # 11
        op(ret, eperm),                  # 12
        op(ret, RET_ALLOW),              # 13
    ]
    return b"".join(prog)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install_seccomp(libc) -> None:
    program = seccomp_program()
    buf = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buf))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0) != 0:
        raise Refused(f"installing the seccomp filter: {os.strerror(ctypes.get_errno())}")


def verify() -> dict:
    """What the kernel says about this process; Refused unless it holds no privilege at all."""
    status = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            status[key] = value.strip()
    problems = [f"{k} {status.get(k)}" for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")
                if int(status.get(k, "1"), 16) != 0]
    if status.get("NoNewPrivs") != "1":
        problems.append("no_new_privs not set")
    if status.get("Seccomp") != "2":
        problems.append("no seccomp filter")
    if os.getuid() == 0 or os.geteuid() == 0:
        problems.append("still uid 0")
    if problems:
        raise Refused("privileges left: " + ", ".join(problems))
    return status


def _pipe(src, dst) -> None:
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s, how in ((dst, _socket.SHUT_WR), (src, _socket.SHUT_RD)):
            try:
                s.shutdown(how)
            except OSError:
                pass


def _serve(listener, path: str) -> None:
    while True:
        try:
            fd, _ = listener._accept()
        except OSError:
            return
        conn = _socket.socket(fileno=fd)
        up = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            up.connect(path)
        except OSError as exc:
            print(f"mldb bridge: {path}: {exc}", file=sys.stderr)
            conn.close()
            up.close()
            continue
        for a, b in ((conn, up), (up, conn)):
            _thread.start_new_thread(_pipe, (a, b))


def listen(ports: list[str]) -> dict:
    """Listening sockets on the sandbox's loopback, made before the privilege drop (a port below 1024, as an
    'offline' URL may name, needs it). A port that cannot be had stays closed: connecting is refused there,
    as it would be with nothing listening."""
    listeners = {}
    for port in ports:
        listener = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        try:
            listener.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", int(port)))
            listener.listen(64)
        except OSError as exc:
            print(f"mldb bridge: port {port} not bridged: {exc.strerror}", file=sys.stderr)
            listener.close()
            continue
        listeners[port] = listener
    return listeners


def bridge(sock_dir: str, listeners: dict) -> None:
    for port, listener in listeners.items():
        _thread.start_new_thread(_serve, (listener, os.path.join(sock_dir, f"{port}.sock")))


def report_end(fd: int) -> None:
    """Tell the harness (over the socket `fd`) that the command has ended, and wait, at most 10 s, while it
    counts the processes still in the run's cgroup (what the command left running)."""
    try:
        sock = _socket.socket(fileno=fd)
        sock.settimeout(10)
        sock.sendall(b"e")
        sock.recv(1)
    except OSError:
        pass


def run(command: list[str], report_fd: int | None = None) -> int:
    """Run the command as a child, pass SIGTERM/SIGINT on, return its exit status (128 + signal); with
    `report_fd`, report the command's end to the harness first (`report_end`)."""
    if report_fd is not None:
        os.set_inheritable(report_fd, False)  # the command never holds it
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        except OSError as exc:
            os.write(2, f"mldb: cannot run {command[0]!r}: {exc.strerror}\n".encode())
        os._exit(127)

    def forward(sig, _frame):
        try:
            os.kill(pid, sig)
        except OSError:
            pass

    for sig in (_signal.SIGTERM, _signal.SIGINT):
        _signal.signal(sig, forward)
    _, status = os.waitpid(pid, 0)
    if report_fd is not None:
        report_end(report_fd)
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def parse(argv: list[str]) -> dict:
    if "--" not in argv:
        raise Refused("usage: init.py [--user UID:GID] [--cgroup-fd FD] [--report-fd FD] [--rlimit NAME=N] "
                      "[--bridge DIR PORT ...] -- ARGV ...")
    cut = argv.index("--")
    opts = {"user": None, "cgroup_fds": [], "rlimits": {}, "bridge": None, "ports": [], "report_fd": None,
            "argv": argv[cut + 1:]}
    words = argv[:cut]
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--user":
            uid, gid = words[i + 1].split(":")
            opts["user"] = (int(uid), int(gid))
            i += 2
        elif word == "--cgroup-fd":
            opts["cgroup_fds"].append(int(words[i + 1]))
            i += 2
        elif word == "--report-fd":
            opts["report_fd"] = int(words[i + 1])
            i += 2
        elif word == "--rlimit":
            name, value = words[i + 1].split("=")
            opts["rlimits"][RLIMITS[name]] = int(value)
            i += 2
        elif word == "--bridge":
            opts["bridge"] = words[i + 1]
            opts["ports"] = [p for p in words[i + 2:] if p.isdigit()]
            i = len(words)
        else:
            raise Refused(f"unknown option {word!r}")
    if not opts["argv"]:
        raise Refused("no command given")
    return opts


def lock_down(opts: dict) -> None:
    libc = _libc()
    join_cgroups(opts["cgroup_fds"])
    if opts["user"] is not None and os.geteuid() == 0:
        become(libc, *opts["user"])
    clear_capabilities(libc)
    for which, value in opts["rlimits"].items():
        resource.setrlimit(which, (value, value))
    install_seccomp(libc)
    os.umask(0o022)  # what a run writes is readable by the other uid (a judge's inputs by the probes), never writable
    verify()


def main(argv: list[str]) -> int:
    try:
        opts = parse(argv)
        listeners = listen(opts["ports"]) if opts["bridge"] else {}
        lock_down(opts)
    except (Refused, OSError, ValueError, IndexError, KeyError) as exc:
        print(f"mldb sandbox: cannot drop privileges: {exc}", file=sys.stderr)
        return 125
    if listeners:
        bridge(opts["bridge"], listeners)
    if opts["argv"] == ["--verify"]:  # the harness's start-up check: everything above held
        return 0
    return run(opts["argv"], opts["report_fd"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
