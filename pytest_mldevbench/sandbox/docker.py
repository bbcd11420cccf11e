"""Docker sandbox: one container per command (an agent's run, each graded script), through the docker SDK.

What a container gets:
- the image `mldevbench/sandbox:<hash>` (images/sandbox/Dockerfile on the debootstrap base, built on first
  use and reused; `MLDB_DOCKER_IMAGE` picks another one);
- an unprivileged user (the host user, or uid 61000 when the harness runs as root), no capabilities,
  no-new-privileges, a read-only root filesystem and a private /tmp;
- the SandboxSpec's writable paths (workspace, home, the agent's artifact folder; for grading the grading
  folder and a per-command folder) bind-mounted at their host paths, its read-only paths (task
  environment, interpreters, agent code, asset cache) read-only at theirs, and nothing else of the host:
  each hidden place (the repository, other trials, the caches) is a private empty folder holding only
  the directories down to what is mounted below it, writable like the local sandbox's tmpfs masks;
- CPU, memory (no swap) and process limits from the task's resources; the GPUs of CUDA_VISIBLE_DEVICES
  as a device request (renumbered from 0 inside, as the NVIDIA runtime shows them);
- network "none": the only reachable endpoints are the loopback ports named in its environment (the
  meter, the asset mirror), forwarded through Unix sockets (bridge.py, container_init.py).
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
from .base import RunResult, Sandbox, SandboxSpec
from .bridge import UnixBridge, loopback_ports

IMAGES_DIR = taskenv.REPO_ROOT / "images"
DEFAULT_BASE = "mldevbench/base:bookworm"
IMAGE_REPO = "mldevbench/sandbox"
CONTAINER_UID = 61000          # the image's unprivileged user, used when the harness runs as root
INIT_PATH = "/mldb/init.py"
BRIDGE_DIR = "/mldb/bridge"
PIDS_LIMIT = int(os.environ.get("MLDB_DOCKER_PIDS", "4096"))
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

    def check(self) -> None:
        self._client = client()
        self.image = ensure_image(self._client)

    def command(self, spec: SandboxSpec) -> list[str]:  # the container's command (PID 1 is the bridge init)
        ports = loopback_ports(spec.env.values())
        return ["/bin/sh", "-c", 'exec python3 -I -S "$0" "$@"', INIT_PATH, BRIDGE_DIR,
                *[str(p) for p in ports], "--", *spec.argv]

    # what the container sees
    def _user(self) -> tuple[str, int | None]:
        uid = os.getuid()
        if uid != 0:
            return f"{uid}:{os.getgid()}", None
        return f"{CONTAINER_UID}:{CONTAINER_UID}", CONTAINER_UID

    def mounts(self, spec: SandboxSpec, bridge: UnixBridge | None, skeleton_root: Path | None = None,
               owner: int | None = None) -> list:
        from docker.types import Mount
        rw = _unique(spec.rw_paths)
        ro = [p for p in _unique(spec.ro_paths) if p.exists() and p not in rw]
        out = [Mount(str(p), str(p), type="bind", read_only=False) for p in rw]
        out += [Mount(str(p), str(p), type="bind", read_only=True) for p in ro]
        # Hidden places become empty writable folders, as the local sandbox's tmpfs masks: a private host
        # folder per place, holding only the directories down to the paths mounted below it (owned by the
        # container's user, so a command can create e.g. HF_HOME there as it could locally). Places
        # neither mounted below nor inside a mount would not exist at all; they get one too.
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
                if owner is not None:
                    _chown_tree(skel, owner)
                out.append(Mount(str(h), str(skel), type="bind", read_only=False))
        init = Path(__file__).with_name("container_init.py")
        out.append(Mount(INIT_PATH, str(init), type="bind", read_only=True))
        if bridge is not None:
            out.append(Mount(BRIDGE_DIR, str(bridge.dir), type="bind", read_only=True))
        return out

    def container_kwargs(self, spec: SandboxSpec, bridge: UnixBridge | None,
                         skeleton_root: Path | None = None) -> tuple[dict, int | None]:
        import docker
        user, chown_to = self._user()
        env = dict(spec.env)
        device_requests = []
        visible = [d for d in env.get("CUDA_VISIBLE_DEVICES", "").split(",") if d.strip()]
        if visible:  # the worker's GPUs only; inside they are numbered from 0
            device_requests = [docker.types.DeviceRequest(device_ids=visible, capabilities=[["gpu"]])]
            env["CUDA_VISIBLE_DEVICES"] = ",".join(str(i) for i in range(len(visible)))
        memory = max(int(spec.memory_gb * 2**30), 64 * 2**20)
        cpus = min(float(spec.cpus), float(os.cpu_count() or 1))
        return dict(
            image=self.image, command=self.command(spec), user=user, environment=env, working_dir=str(spec.cwd),
            mounts=self.mounts(spec, bridge, skeleton_root, chown_to), network_mode="none", read_only=True,
            tmpfs={"/tmp": f"rw,exec,nosuid,nodev,mode=1777,size={memory}"}, shm_size=min(memory // 2, 2 * 2**30),
            mem_limit=memory, memswap_limit=memory, nano_cpus=int(cpus * 1e9), pids_limit=PIDS_LIMIT,
            cap_drop=["ALL"], security_opt=["no-new-privileges"], device_requests=device_requests,
            labels={LABEL: "1"}, detach=True, stdin_open=False, tty=False,
        ), chown_to

    def run(self, spec: SandboxSpec, timeout: float,
            should_stop: Callable[[], bool] | None = None, poll_s: float = 0.5) -> RunResult:
        import docker
        import requests
        if self._client is None or self.image is None:
            self.check()
        cli = self._client
        ports = loopback_ports(spec.env.values())
        bridge = UnixBridge(ports) if ports else None
        skeletons = Path(tempfile.mkdtemp(prefix="mldb-docker-hidden-"))
        container = None
        chown_to = None
        threads: list[threading.Thread] = []
        start = time.monotonic()
        try:
            kwargs, chown_to = self.container_kwargs(spec, bridge, skeletons)
            if chown_to is not None:
                for path in _unique(spec.rw_paths):
                    _chown_tree(path, chown_to)
            try:
                container = cli.containers.create(**kwargs)
                container.start()
            except docker.errors.APIError as exc:
                raise InfrastructureError(_api_error(exc)) from None
            if spec.stdout is not None:
                threads.append(_follow(container, spec.stdout, stdout=True, stderr=spec.stderr is None))
            if spec.stderr is not None:
                threads.append(_follow(container, spec.stderr, stdout=False, stderr=True))
            timed_out = stopped = False
            while True:
                try:
                    container.wait(timeout=poll_s)
                    break
                except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
                    pass
                if time.monotonic() - start > timeout:
                    timed_out = True
                    break
                if should_stop is not None and should_stop():
                    stopped = True
                    break
            if timed_out or stopped:
                container.stop(timeout=3)  # SIGTERM to the command (via the init), SIGKILL after 3 s
                container.wait(timeout=30)
            for t in threads:
                t.join(timeout=10)
            container.reload()
            state = container.attrs.get("State", {})
            oom = bool(state.get("OOMKilled"))
            code = None if (timed_out or stopped) else int(state.get("ExitCode", -1))
            return RunResult(code, timed_out, stopped, time.monotonic() - start, oom=oom)
        finally:
            if container is not None:
                try:
                    container.remove(force=True)
                except docker.errors.APIError:
                    pass
            if bridge is not None:
                bridge.close()
            shutil.rmtree(skeletons, ignore_errors=True)
            if chown_to is not None:  # the harness's files again (snapshot, artifacts, later local runs)
                for path in _unique(spec.rw_paths):
                    _chown_tree(path, os.getuid(), os.getgid())


def _follow(container, path: Path, stdout: bool, stderr: bool) -> threading.Thread:
    def pump():
        with open(path, "ab") as f:
            try:
                for chunk in container.logs(stream=True, follow=True, stdout=stdout, stderr=stderr):
                    f.write(chunk)
                    f.flush()
            except Exception:  # noqa: BLE001 - the container went away; what was written stays
                pass
    t = threading.Thread(target=pump, daemon=True)
    t.start()
    return t


def _chown_tree(root: Path, uid: int, gid: int | None = None) -> None:
    """Writable mounts belong to the container's user while it runs (the harness runs as root here)."""
    gid = uid if gid is None else gid
    if not root.exists():
        return
    os.chown(root, uid, gid, follow_symlinks=False)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            try:
                os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)
            except OSError:
                pass


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
