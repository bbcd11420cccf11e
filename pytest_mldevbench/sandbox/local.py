"""Local sandbox: bubblewrap builds the namespaces and an allow-listed view; the init (init.py) drops every
privilege before the command runs.

What a run sees (all read-only unless said):
- the system's runtime directories (/usr and the /bin, /sbin, /lib* beside it), /sys, a fresh /proc and a
  minimal /dev (plus the NVIDIA device nodes for a GPU trial);
- a generated /etc: passwd and group naming the sandbox user, hosts with loopback only, nsswitch on files,
  no resolv.conf, and from the host only what programs need to run (ld.so cache, CA certificates, the
  alternatives links, time zone, MIME and protocol tables, Python's config);
- the SandboxSpec's read-only paths (task environment and its interpreter, agent code and environments,
  TORCH_HOME) and writable paths (workspace, home, artifact folder; for grading the grading folder and a
  per-command folder), each at its own path; a hidden place that lies inside one of them (the harness's
  own package in a site-packages, say) is covered by an empty folder;
- its own /tmp and /dev/shm in RAM, sized by the task's memory;
- nothing else: not /opt, /var, /root, /home, /srv, /mnt, /media, /run, nor any part of the repository
  or the output, scratch and cache folders that is not listed above.
It has its own PID, IPC, UTS, cgroup and network namespaces: the network is loopback only, on which the
init listens for the ports the environment names (the meter, the asset mirror) and forwards them over
Unix sockets to the host (bridge.py). When the run ends, its PID namespace ends, and the kernel ends
every process in it.

As root, bubblewrap runs with full privileges to build all this, and the init then empties the capability
bounding set, becomes this process's sandbox uid (identity.py), sets no_new_privs and a seccomp filter
against new namespaces, and joins the run's cgroup (cgroups.py) before anything of the command runs. Not
as root, bubblewrap makes an unprivileged user namespace and the init does the rest. Either way the init
checks the result and refuses to run the command otherwise; `check()` runs that once per process, so a
machine where privileges cannot be dropped stops the session with the reason.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import sys
import tempfile
import weakref
from pathlib import Path
from typing import Iterator

from ..errors import InfrastructureError
from .base import Launch, Sandbox, SandboxSpec
from .bridge import UnixBridge, loopback_ports
from .cgroups import PIDS_LIMIT, Cgroups
from .endwatch import EndWatch
from .fileaudit import FileAudit, supported
from .identity import HOSTNAME, UID_KIND, SandboxUsers

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# what of the host's /etc a program may need; the rest (shadow, ssh, resolv.conf, pip.conf, ...) stays out
ETC_SHARED = ("alternatives", "ssl/certs", "ssl/openssl.cnf", "ca-certificates", "ca-certificates.conf",
              "pki/tls/certs", "pki/ca-trust", "crypto-policies", "ld.so.cache", "ld.so.conf", "ld.so.conf.d",
              "localtime", "timezone", "mime.types", "protocols", "services", "os-release", "debian_version",
              "gai.conf", "host.conf", "inputrc", "terminfo", "fonts", "magic", "magic.mime", "locale.alias",
              "shells", "python3", "python3.*", "OpenCL", "vulkan", "glvnd", "nvidia")
MASK_BYTES = 16 * 2**20  # an empty directory laid over a hidden place
INIT = Path(__file__).with_name("init.py")
INIT_PATH, BRIDGE_PATH = "/mldb/init.py", "/mldb/bridge"


class LocalSandbox(Sandbox):
    name = "local"

    def __init__(self):
        self._users: SandboxUsers | None = None
        self._cgroups: Cgroups | None = None
        self._etc: Path | None = None

    # -- what this machine gives -------------------------------------------------------------------
    @property
    def users(self) -> SandboxUsers:
        if self._users is None:
            self._users = SandboxUsers()
        return self._users

    @property
    def cgroups(self) -> Cgroups:
        if self._cgroups is None:
            self._cgroups = Cgroups()
        return self._cgroups

    def check(self) -> None:
        if _bwrap() is None:
            raise InfrastructureError("the local sandbox needs bubblewrap: install it (apt-get install bubblewrap)")
        with tempfile.TemporaryDirectory(prefix="mldb-check-") as tmp:
            log = Path(tmp) / "log"
            spec = SandboxSpec(argv=["--verify"], cwd=Path("/"), env={"PATH": "/usr/bin:/bin"}, stdout=log,
                               memory_gb=0.5)
            run = self.run(spec, timeout=60)
            if run.returncode != 0:
                lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
                why = lines[-1] if lines else f"exit {run.returncode}"
                raise InfrastructureError(f"the local sandbox cannot run safely here: {why}")

    def limits(self) -> dict[str, str]:
        dedicated = self.users.dedicated
        memory = self.cgroups.kind
        processes = f"{memory} {PIDS_LIMIT}" if self.cgroups.version else \
            f"RLIMIT_NPROC: {PIDS_LIMIT}{'' if dedicated else ' more than the harness user runs'}"
        return {"uid": UID_KIND if dedicated else "the harness's, in a user namespace",
                "memory": memory, "processes": processes,
                "network": "loopback only; meter and mirror ports bridged"}

    def close(self) -> None:
        if self._etc is not None:
            shutil.rmtree(self._etc, ignore_errors=True)
            self._etc = None
        if self._users is not None:
            self._users.close()
            self._users = None

    # -- one run -------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def launch(self, spec: SandboxSpec) -> Iterator[Launch]:
        self.users.of(spec.judge).give(_unique(spec.rw_paths))
        ports = loopback_ports(spec.env.values())
        bridge = UnixBridge(ports) if ports else None
        group = watch = audit = None
        try:
            if spec.audit is not None and supported():
                shown = [*spec.ro_paths, *spec.rw_paths, *spec.audit, *_init_python()[1]]
                audit = FileAudit(list(spec.hidden_paths), shown)
            wrap = audit.wrap if audit is not None else list
            audited = dict(probes=audit.probes) if audit is not None else {}
            audit_fds = (audit.fd,) if audit is not None else ()
            group = self.cgroups.make(int(max(spec.memory_gb, 0.25) * 2**30))
            if group is None:
                argv = self.command(spec, bridge=bridge)
                yield Launch(wrap(argv), audit_fds, **audited)
                return
            watch = EndWatch(group)
            argv = self.command(spec, bridge=bridge, cgroup_fds=group.fds, report_fd=watch.init_fd)
            yield Launch(wrap(argv), (*group.fds, watch.init_fd, *audit_fds), group.oom_killed, watch.survivors,
                         watch.network_refused, **audited)
        finally:
            if audit is not None:
                audit.close()
            if watch is not None:
                watch.close()
            if group is not None:
                group.close()
            if bridge is not None:
                bridge.close()

    def command(self, spec: SandboxSpec, bridge: UnixBridge | None = None, cgroup_fds=(),
                report_fd: int | None = None) -> list[str]:
        argv = [_bwrap() or "bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc",
                "--unshare-net", "--unshare-uts", "--unshare-cgroup-try", "--hostname", HOSTNAME]
        for top in SYSTEM_DIRS:
            if os.path.islink(top):
                argv += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                argv += ["--ro-bind", top, top]
        argv += self._etc_args()
        argv += ["--ro-bind", "/sys", "/sys", "--dev", "/dev", "--proc", "/proc"]
        # tmpfs lives in RAM: /tmp and /dev/shm get the task's memory budget (and count against its limit)
        tmp_size = str(int(max(spec.memory_gb, 1) * 2**30))
        argv += ["--size", tmp_size, "--perms", "1777", "--tmpfs", "/tmp",
                 "--size", tmp_size, "--perms", "1777", "--tmpfs", "/dev/shm"]
        if spec.env.get("CUDA_VISIBLE_DEVICES"):  # a GPU task: the NVIDIA device nodes, nothing else of /dev
            for node in sorted(glob.glob("/dev/nvidia*")) + sorted(glob.glob("/dev/dri/*")):
                argv += ["--dev-bind", node, node]
        python, python_ro = _init_python()
        extra = {k: str(v) for k, v in spec.mounts.items()} | {INIT_PATH: str(INIT)} \
            | ({BRIDGE_PATH: str(bridge.dir)} if bridge is not None else {})
        argv += _view(list(spec.ro_paths) + python_ro, list(spec.rw_paths), list(spec.hidden_paths), extra)
        argv += ["--remount-ro", "/", "--chdir", str(spec.cwd), "--", python, "-I", "-S", INIT_PATH]
        argv += self._init_args(spec, cgroup_fds)
        if report_fd is not None:
            argv += ["--report-fd", str(report_fd)]
        if bridge is not None:
            argv += ["--bridge", BRIDGE_PATH, *[str(p) for p in bridge.ports]]
        return argv + ["--"] + list(spec.argv)

    def _init_args(self, spec: SandboxSpec, cgroup_fds) -> list[str]:
        user = self.users.of(spec.judge)
        args = ["--user", f"{user.uid}:{user.gid}"] if user.dedicated else []
        for fd in cgroup_fds:
            args += ["--cgroup-fd", str(fd)]
        args += ["--rlimit", "core=0"]
        if not cgroup_fds:  # no cgroup: per-process memory, and a cap on the processes of the sandbox's uid
            args += ["--rlimit", f"data={int(max(spec.memory_gb, 0.25) * 2**30)}"]
            # RLIMIT_NPROC counts every process of the uid: a dedicated one has none but the run's; the
            # harness's own uid keeps what it runs now and may start PIDS_LIMIT more
            args += ["--rlimit", f"nproc={PIDS_LIMIT + (0 if user.dedicated else _processes_of(user.uid))}"]
        if self.file_size_limit:
            args += ["--rlimit", f"fsize={self.file_size_limit}"]
        return args

    def _etc_args(self) -> list[str]:
        """A generated /etc, made once per process: the sandbox's own passwd, group, hosts, hostname and
        nsswitch.conf, and copies of the host's entries programs need (links kept as links). One bind."""
        if self._etc is None:
            folder = Path(tempfile.mkdtemp(prefix="mldb-etc-"))
            folder.chmod(0o755)
            weakref.finalize(self, shutil.rmtree, folder, True)  # gone with this sandbox, closed or not
            for entry in _etc_entries():
                host, mine = Path("/etc") / entry, folder / entry
                mine.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
                try:
                    if host.is_symlink():
                        os.symlink(os.readlink(host), mine)
                    elif host.is_dir():
                        shutil.copytree(host, mine, symlinks=True)
                    elif host.is_file():
                        shutil.copy2(host, mine)
                except OSError:
                    continue  # unreadable on the host: not needed
            self.users.write_etc(folder)
            for sub in [folder, *folder.rglob("*")]:
                if not sub.is_symlink():
                    sub.chmod(0o755 if sub.is_dir() else 0o644)
            self._etc = folder
        return ["--ro-bind", str(self._etc), "/etc"]


def _etc_entries() -> list[str]:
    found = []
    for pattern in ETC_SHARED:
        found += sorted(str(p.relative_to("/etc")) for p in Path("/etc").glob(pattern)) if "*" in pattern else [pattern]
    return found


FILLED = (*SYSTEM_DIRS, "/etc", "/sys", "/proc", "/dev")   # mounted before the view, with their content
EMPTY = ("/tmp", "/dev/shm")                                  # mounted before the view, empty and writable


def _view(ro: list[Path], rw: list[Path], hidden: list[Path], extra: dict[str, str]) -> list[str]:
    """The mounts of what a run may see, in order of depth so that each lands on top of what contains it:
    - binds of the read-only and writable paths (and `extra`: sandbox path -> host path, read-only);
    - an empty tmpfs over each hidden place the run would otherwise see part of (one that holds a bound
      path, or lies inside one): small, in RAM; writable by the sandbox user (1777) where it holds one of
      the run's writable paths (the trial's scratch and output folders), read-only otherwise (the
      repository, the caches, the harness's home and package);
    - the folders leading to bound paths through empty places (bubblewrap would make them 0700): 0755,
      or 1777 inside a writable place, so that e.g. a graded run can make HF_HOME under the trial's home."""
    binds: dict[Path, tuple[str, str, str]] = {}
    for p in _unique(ro):
        if p.exists():
            binds[p] = ("--ro-bind", str(p), str(p))
    for p in _unique(rw):
        binds[p] = ("--bind", str(p), str(p))
    for inside, host in extra.items():
        binds[Path(inside)] = ("--ro-bind", host, inside)
    # every place that has content of its own: path -> (writable by the sandbox user, filled)
    places: dict[Path, tuple[bool, bool]] = {Path(d): (False, True) for d in FILLED}
    places.update({Path(d): (True, False) for d in EMPTY})
    places.update({p: (op[0] == "--bind", True) for p, op in binds.items()})

    def container(path: Path) -> Path | None:
        holders = [q for q in places if q in path.parents]
        return max(holders, key=lambda q: len(q.parts)) if holders else None

    ops: dict[Path, tuple[str, ...]] = dict(binds)
    for h in _unique(hidden):
        if h in places or not h.is_dir():
            continue
        outer = container(h)
        if outer is None and not any(h in b.parents for b in binds):
            continue  # nothing of it is in the view anyway
        writable = any(h in p.parents for p, op in binds.items() if op[0] == "--bind")
        ops[h] = ("--size", str(MASK_BYTES), "--perms", "1777" if writable else "0755", "--tmpfs", str(h))
        places[h] = (writable, False)
    for p in list(ops):
        for parent in p.parents:
            if parent == Path("/") or parent in places or parent in ops:
                continue
            outer = container(parent)
            if outer is not None and places[outer][1]:
                continue  # it is there, in what is bound
            writable = outer is not None and places[outer][0]
            ops[parent] = ("--perms", "1777" if writable else "0755", "--dir", str(parent))
    argv: list[str] = []
    for p in sorted(ops, key=lambda p: len(p.parts)):
        argv += ops[p]
    return argv


def _processes_of(uid: int) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                count += entry.stat().st_uid == uid
            except OSError:
                pass
    return count


def _init_python() -> tuple[str, list[Path]]:
    """The interpreter the init runs on: the system's python3, else this harness's base interpreter."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if os.access(candidate, os.X_OK):
            return candidate, []
    base = Path(sys.base_prefix)
    return str(Path(getattr(sys, "_base_executable", sys.executable)).resolve()), [base]


def _unique(paths) -> list[Path]:
    seen, out = set(), []
    for p in paths:
        p = Path(p).absolute()
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def _bwrap() -> str | None:
    """bubblewrap by absolute path, found on the harness's PATH (a trial's own PATH is not searched)."""
    return shutil.which("bwrap")
