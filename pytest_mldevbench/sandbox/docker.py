"""Docker sandbox: one container per command (an agent's run, each graded script), through the docker SDK.

What a container gets:
- the image `mldevbench/sandbox:<hash>` (images/sandbox/Dockerfile on the debootstrap base, built on first
  use and reused; `MLDB_DOCKER_IMAGE` picks another one);
- an unprivileged user (the host user, or when the harness runs as root this process's own sandbox uid,
  identity.py, named in a generated passwd), no capabilities, no-new-privileges, a read-only root
  filesystem and a private /tmp; its init (init.py, as in the local sandbox) checks all that, adds the
  seccomp filter against new namespaces and refuses to run the command otherwise;
- the SandboxSpec's writable paths (workspace, home, the agent's artifact folder; for grading the grading
  folder and a per-command folder) bind-mounted at their host paths, its read-only paths (task
  environment, interpreters, agent code, asset cache) read-only at theirs, and nothing else of the host:
  each hidden place (the repository, other trials, the caches) is a private empty folder (on a small
  tmpfs) holding only the directories down to what is mounted below it, writable like the local
  sandbox's masks; the trial's folders lie on its disk quota (disk.py), as for the local sandbox;
- CPU, memory (no swap) and process limits from the task's resources; the GPUs of CUDA_VISIBLE_DEVICES
  as a device request (renumbered from 0 inside, as the NVIDIA runtime shows them);
- network "none": the only reachable endpoints are the loopback ports named in its environment (the
  meter, the asset mirror), forwarded through Unix sockets (bridge.py, init.py);
- no log driver: its output is read live through an attach and capped like the local sandbox's.
When the command ends, times out or is stopped, the container is stopped and removed: its PID namespace
ends with it, so nothing it started can touch the workspace before the snapshot.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from .. import taskenv
from ..errors import InfrastructureError
from .base import RunResult, Sandbox, SandboxSpec, wait_until_done
from .bridge import UnixBridge, loopback_ports
from .cgroups import PIDS_LIMIT
from .identity import UID_KIND, SandboxUsers
from .mounts import tmpfs, unmount_under
from .output import Capture

IMAGES_DIR = taskenv.REPO_ROOT / "images"
DEFAULT_BASE = "mldevbench/base:bookworm"
IMAGE_REPO = "mldevbench/sandbox"
INIT = Path(__file__).with_name("init.py")
INIT_PATH = "/mldb/init.py"
BRIDGE_DIR = "/mldb/bridge"
LABEL = "mldevbench.trial"


def progress(msg: str) -> None:
    """Progress of image builds: straight to the terminal (pytest captures sys.stderr during a test)."""
    stream = sys.__stderr__ or sys.stderr
    try:
        stream.write(f"[mldb docker] {msg}\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def engine_hint() -> str:
    host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    return (f"no Docker engine reachable at {host}: start one (as root: images/start-dockerd.sh) "
            "or set DOCKER_HOST")


def client():
    """A docker SDK client that answers, or InfrastructureError with one line."""
    try:
        import docker
    except ImportError:
        raise InfrastructureError("the docker sandbox needs the docker SDK: pip install docker") from None
    try:
        cli = docker.from_env(timeout=120)
        cli.ping()
    except Exception:  # noqa: BLE001 - any failure to connect means the same thing to the user
        raise InfrastructureError(engine_hint()) from None
    return cli


# -- images ---------------------------------------------------------------------------------------------
def _image_id(cli, ref: str) -> str | None:
    import docker
    try:
        return cli.images.get(ref).id
    except docker.errors.ImageNotFound:
        return None


def ensure_base(cli, base: str) -> str:
    """The base image's id; the default (debootstrap) base is built here when missing."""
    found = _image_id(cli, base)
    if found is not None:
        return found
    if base != DEFAULT_BASE:
        raise InfrastructureError(f"docker base image {base!r} not found: build or load it (no registry is used)")
    script = IMAGES_DIR / "build-base.sh"
    progress(f"building the base image {base} with {script.name} (debootstrap; a few minutes, once) ...")
    proc = subprocess.run(["bash", str(script), base], stdout=sys.__stderr__ or None, stderr=subprocess.STDOUT)
    found = _image_id(cli, base)
    if proc.returncode != 0 or found is None:
        raise InfrastructureError(f"could not build the docker base image {base} (images/build-base.sh exit "
                                  f"{proc.returncode}; it needs root and debootstrap)")
    return found


def sandbox_image_tag(cli, base: str | None = None) -> tuple[str, str, str]:
    """(tag, base, base id) of the sandbox image for this Dockerfile and base."""
    base = base or os.environ.get("MLDB_DOCKER_BASE") or DEFAULT_BASE
    base_id = ensure_base(cli, base)
    dockerfile = (IMAGES_DIR / "sandbox" / "Dockerfile").read_bytes()
    key = hashlib.sha256(dockerfile + b"\0" + base_id.encode()).hexdigest()[:16]
    return f"{IMAGE_REPO}:{key}", base, base_id


def ensure_image(cli) -> str:
    """The image trials run in: MLDB_DOCKER_IMAGE as given, else the sandbox image, built once per content."""
    given = os.environ.get("MLDB_DOCKER_IMAGE")
    if given:
        if _image_id(cli, given) is None:
            raise InfrastructureError(f"MLDB_DOCKER_IMAGE={given!r} is not an image of this Docker engine")
        return given
    lock_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"mldevbench-docker-build-{os.getuid()}.lock"
    with open(lock_path, "w") as lock:  # xdist workers: one builds, the others wait and reuse
        fcntl.flock(lock, fcntl.LOCK_EX)
        tag, base, _ = sandbox_image_tag(cli)
        if _image_id(cli, tag) is not None:
            return tag
        progress(f"building {tag} from images/sandbox/Dockerfile on {base} ...")
        start = time.monotonic()
        last = ""
        try:
            for chunk in cli.api.build(path=str(IMAGES_DIR / "sandbox"), tag=tag, buildargs={"BASE_IMAGE": base},
                                       rm=True, forcerm=True, network_mode="none", decode=True):
                if "error" in chunk:
                    raise InfrastructureError(f"building {tag} failed: {chunk['error'].strip()}")
                line = (chunk.get("stream") or "").strip()
                if line:
                    last = line
                    if line.startswith("Step "):
                        progress(line)
        except InfrastructureError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise InfrastructureError(f"building {tag} failed: {type(exc).__name__}: {exc} ({last})") from None
        if _image_id(cli, tag) is None:
            raise InfrastructureError(f"building {tag} failed: {last}")
        progress(f"built {tag} in {time.monotonic() - start:.1f}s")
        return tag


# -- the sandbox ----------------------------------------------------------------------------------------
class DockerSandbox(Sandbox):
    name = "docker"

    def __init__(self):
        self._client = None
        self.image: str | None = None
        self._users: SandboxUsers | None = None

    @property
    def users(self) -> SandboxUsers:
        if self._users is None:
            self._users = SandboxUsers()
        return self._users

    def check(self) -> None:
        self._client = client()
        self.image = ensure_image(self._client)
        with tempfile.TemporaryDirectory(prefix="mldb-check-") as tmp:  # the init's lock-down holds here too
            log = Path(tmp) / "log"
            spec = SandboxSpec(argv=["--verify"], cwd=Path("/tmp"), env={"PATH": "/usr/bin:/bin"}, stdout=log,
                               memory_gb=0.5)
            run = self.run(spec, timeout=120)
            if run.returncode != 0:
                lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
                raise InfrastructureError("the docker sandbox cannot run safely here: "
                                          + (lines[-1] if lines else f"exit {run.returncode}"))

    def limits(self) -> dict[str, str]:
        return {"uid": UID_KIND if self.users.dedicated else "the harness's",
                "memory": "docker (cgroup)", "processes": f"docker pids-limit {PIDS_LIMIT}",
                "network": "none; meter and mirror ports bridged"}

    def close(self) -> None:
        if self._users is not None:
            self._users.close()
            self._users = None

    def command(self, spec: SandboxSpec) -> list[str]:  # the container's command: the init, then the argv
        ports = loopback_ports(spec.env.values())
        argv = ["python3", "-I", "-S", INIT_PATH, "--rlimit", "core=0"]
        if self.file_size_limit:
            argv += ["--rlimit", f"fsize={self.file_size_limit}"]
        if ports:
            argv += ["--bridge", BRIDGE_DIR, *[str(p) for p in ports]]
        return argv + ["--", *spec.argv]

    # what the container sees
    def mounts(self, spec: SandboxSpec, bridge: UnixBridge | None, skeleton_root: Path | None = None,
               etc: Path | None = None) -> list:
        from docker.types import Mount
        rw = _unique(spec.rw_paths)
        ro = [p for p in _unique(spec.ro_paths) if p.exists() and p not in rw]
        out = [Mount(str(p), str(p), type="bind", read_only=False) for p in rw]
        out += [Mount(str(p), str(p), type="bind", read_only=True) for p in ro]
        # Hidden places become empty folders, as the local sandbox's masks: a folder per place on a small
        # tmpfs of this run, holding only the directories down to the paths mounted below it; those that hold
        # a writable path (the trial's scratch and output places) are the container user's, so a command can
        # create e.g. HF_HOME there as it can locally. Places neither mounted below nor inside a mount would
        # not exist at all; they get one too.
        if skeleton_root is not None:
            targets = rw + ro
            for i, h in enumerate(_outermost(p for p in spec.hidden_paths if Path(p).is_dir())):
                if h in targets:
                    continue
                skel = skeleton_root / f"h{i}"
                skel.mkdir(mode=0o755)
                for t in targets:
                    if h in t.parents:
                        (skel / t.relative_to(h)).mkdir(parents=True, exist_ok=True)
                if any(h in p.parents for p in rw):  # the trial's own scratch/output places: writable
                    self.users.of(spec.judge).give([skel])
                out.append(Mount(str(h), str(skel), type="bind", read_only=False))
        out += [Mount(inside, str(host), type="bind", read_only=True) for inside, host in spec.mounts.items()]
        out.append(Mount(INIT_PATH, str(INIT), type="bind", read_only=True))
        if etc is not None:  # passwd and group naming the sandbox users
            out += [Mount(f"/etc/{n}", str(etc / n), type="bind", read_only=True) for n in ("passwd", "group")]
        if bridge is not None:
            out.append(Mount(BRIDGE_DIR, str(bridge.dir), type="bind", read_only=True))
        return out

    def container_kwargs(self, spec: SandboxSpec, bridge: UnixBridge | None, skeleton_root: Path | None = None,
                         etc: Path | None = None) -> dict:
        import docker
        env = dict(spec.env)
        device_requests = []
        visible = [d for d in env.get("CUDA_VISIBLE_DEVICES", "").split(",") if d.strip()]
        if visible:  # the worker's GPUs only; inside they are numbered from 0
            device_requests = [docker.types.DeviceRequest(device_ids=visible, capabilities=[["gpu"]])]
            env["CUDA_VISIBLE_DEVICES"] = ",".join(str(i) for i in range(len(visible)))
        memory = max(int(spec.memory_gb * 2**30), 64 * 2**20)
        cpus = min(float(spec.cpus), float(os.cpu_count() or 1))
        return dict(
            image=self.image, command=self.command(spec), user="{0.uid}:{0.gid}".format(self.users.of(spec.judge)), environment=env,
            working_dir=str(spec.cwd), mounts=self.mounts(spec, bridge, skeleton_root, etc), network_mode="none",
            read_only=True, tmpfs={"/tmp": f"rw,exec,nosuid,nodev,mode=1777,size={memory}"},
            shm_size=min(memory // 2, 2 * 2**30), mem_limit=memory, memswap_limit=memory, nano_cpus=int(cpus * 1e9),
            pids_limit=PIDS_LIMIT, cap_drop=["ALL"], security_opt=["no-new-privileges"],
            device_requests=device_requests, labels={LABEL: "1"}, detach=True, stdin_open=False, tty=False,
            # no log driver: the output is read live through an attach and capped (output.py), so a flood
            # is neither kept by the engine nor written to its disk
            log_config=docker.types.LogConfig(type="none"),
        )

    def run(self, spec: SandboxSpec, timeout: float,
            should_stop: Callable[[], bool] | None = None, poll_s: float = 0.5) -> RunResult:
        import docker
        import requests
        if self._client is None or self.image is None:
            self.check()
        cli = self._client
        ports = loopback_ports(spec.env.values())
        bridge = UnixBridge(ports) if ports else None
        work = _RunFolder()
        container = None
        capture = Capture()
        start = time.monotonic()
        try:
            self.users.write_etc(work.etc)
            kwargs = self.container_kwargs(spec, bridge, work.skeletons, work.etc)
            self.users.of(spec.judge).give(_unique(spec.rw_paths))
            try:
                container = cli.containers.create(**kwargs)
                stream = cli.api.attach(container.id, stdout=True, stderr=True, stream=True, logs=False,
                                        demux=spec.stderr is not None)
                container.start()
            except docker.errors.APIError as exc:
                raise InfrastructureError(_api_error(exc)) from None
            _follow(capture, stream, spec)
            def ended() -> bool:
                try:
                    container.wait(timeout=poll_s)
                    return True
                except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
                    return False
            timed_out, stopped = wait_until_done(ended, start, timeout, should_stop)
            if timed_out or stopped:
                container.stop(timeout=3)  # SIGTERM to the command (via the init), SIGKILL after 3 s
                container.wait(timeout=30)
            dropped = capture.close()
            container.reload()
            state = container.attrs.get("State", {})
            oom = bool(state.get("OOMKilled"))
            code = None if (timed_out or stopped) else int(state.get("ExitCode", -1))
            return RunResult(code, timed_out, stopped, time.monotonic() - start, oom=oom, output_dropped=dropped)
        finally:
            if container is not None:
                try:
                    container.remove(force=True)
                except docker.errors.APIError:
                    pass
            capture.close(timeout=5)
            if bridge is not None:
                bridge.close()
            work.close()


class _RunFolder:
    """Host files of one container run: the generated passwd/group and the hidden places' skeletons, on a
    small tmpfs when the harness can mount one (so a run cannot fill the host disk through them)."""

    SIZE = 16 * 2**20

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="mldb-docker-run-"))
        self.root.chmod(0o755)
        self.mounted = False
        if os.geteuid() == 0:
            try:
                tmpfs(self.root, self.SIZE)
                self.mounted = True
            except OSError:
                pass  # no tmpfs here: plain folders, as when the harness is not root
        self.etc, self.skeletons = self.root / "etc", self.root / "hidden"
        for d in (self.etc, self.skeletons):
            d.mkdir(mode=0o755)

    def close(self) -> None:
        if self.mounted:
            unmount_under(self.root)
        shutil.rmtree(self.root, ignore_errors=True)


def _follow(capture: Capture, stream, spec: SandboxSpec) -> None:
    """Split the attach stream (demuxed when stderr has its own file) into the capped logs."""
    if spec.stderr is None:
        capture.follow(_chunks(stream), spec.stdout)
        return
    out_q, err_q = _Split(), _Split()
    threading.Thread(target=_demux, args=(stream, out_q, err_q), daemon=True).start()
    capture.follow(iter(out_q), spec.stdout)
    capture.follow(iter(err_q), spec.stderr)


def _chunks(stream):
    try:
        for chunk in stream:
            if chunk:
                yield chunk
    except Exception:  # noqa: BLE001 - the container went away; what came stays
        return


class _Split:
    """A queue of chunks ending with None."""

    def __init__(self):
        import queue
        self.q = queue.Queue(maxsize=64)

    def __iter__(self):
        while True:
            item = self.q.get()
            if item is None:
                return
            yield item


def _demux(stream, out: _Split, err: _Split) -> None:
    try:
        for chunk_out, chunk_err in _chunks(stream):
            if chunk_out:
                out.q.put(chunk_out)
            if chunk_err:
                err.q.put(chunk_err)
    finally:
        out.q.put(None)
        err.q.put(None)


def _api_error(exc) -> str:
    text = str(getattr(exc, "explanation", None) or exc).strip().splitlines()[0]
    if "device driver" in text and "gpu" in text:
        return ("a GPU trial in the docker sandbox needs the NVIDIA container toolkit on this engine "
                f"(nvidia-container-toolkit): {text}")
    return f"docker: {text}"


def _unique(paths) -> list[Path]:
    seen, out = set(), []
    for p in paths:
        p = Path(p).absolute()
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def _outermost(paths) -> list[Path]:
    """Drop paths that lie inside another listed path (one mask covers them)."""
    kept: list[Path] = []
    for p in sorted(_unique(paths), key=lambda p: len(p.parts)):
        if not any(p == k or k in p.parents for k in kept):
            kept.append(p)
    return kept


def main(argv: list[str]) -> int:
    """`python -m pytest_mldevbench.sandbox.docker build`: build (or find) the sandbox image, with progress."""
    if argv[:1] != ["build"]:
        print("usage: python -m pytest_mldevbench.sandbox.docker build", file=sys.stderr)
        return 2
    try:
        start = time.monotonic()
        tag = ensure_image(client())
    except InfrastructureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"docker sandbox image: {tag} (ready after {time.monotonic() - start:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
