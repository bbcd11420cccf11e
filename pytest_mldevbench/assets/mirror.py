"""The local asset mirror: plain HTTP for archives, a 404 path, torchvision files and a Hugging Face endpoint.

Every URL starts with a trial component, `/t/<token>/`: a random token per trial (service.py), which is how
requests land in that trial's access log. A request under any other prefix is answered 404 and logged
nowhere, so no trial can put entries into another's log. Each token has an allow-list of asset names (its
task's `assets`, and folders its validator served for it): a request for anything else (another asset, a
path no asset owns) is answered 404 and logged with `refused: true`. Nothing is built on request. Under it:
    <asset>/<file>                     an archive asset's file (also `<file>` alone when the name is unique)
    torchvision/<file>, torchvision/checksums.json   what the taskenv_site hook downloads / patches in
    ml-dev-bench/cdh-dataset-download[/...]          always 404 "Not Found"
    hf/<repo>/resolve/<rev>/<file>     HEAD/GET with X-Repo-Commit, ETag, Content-Length (Range supported)
    hf/api/models/<repo>[/revision/<rev>]            model info with sha and siblings
    hf/api/models/<repo>/tree/<rev>[/<path>]         tree listing (snapshot_download)
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .manifest import MISSING_ASSET, MISSING_PATH

CHUNK = 1 << 20
MAX_LOG_ENTRIES = 10_000  # per trial; later requests are answered as usual and only counted (`AccessLog.dropped`)


@dataclass
class HfRepo:
    repo_id: str
    files: dict[str, Path]          # path in repo -> file on disk
    digests: dict[str, dict]        # path in repo -> {"sha256", "size"}

    @property
    def commit(self) -> str:
        h = hashlib.sha1(self.repo_id.encode())
        for name in sorted(self.digests):
            h.update(f"{name}\0{self.digests[name]['sha256']}\n".encode())
        return h.hexdigest()

    def blob_id(self, name: str) -> str:
        return hashlib.sha1(f"{self.repo_id}\0{name}\0{self.digests[name]['sha256']}".encode()).hexdigest()


@dataclass
class Routes:
    files: dict[str, Path]                 # "<asset>/<file>" and unique "<file>" -> path
    torchvision: dict[str, Path]           # file name -> path
    torchvision_checksums: dict            # see service.torchvision_checksums; per class, filtered per trial
    hf: dict[str, HfRepo]
    # path -> asset name, for every asset the manifest names (served or not): "<asset>/<file>", a unique
    # "<file>", "torchvision/<file>", "hf/<repo_id>" (a prefix), and served folders' files
    owners: dict[str, str] = field(default_factory=dict)

    def owner(self, rest: str) -> str | None:
        """The asset a path (after /t/<token>/) belongs to; None for a path no asset owns."""
        if rest == MISSING_PATH or rest.startswith(MISSING_PATH + "/"):
            return MISSING_ASSET
        if rest.startswith("hf/"):
            tail = rest[3:]
            tail = tail[len("api/models/"):] if tail.startswith("api/models/") else tail
            hits = [k for k in self.owners if k.startswith("hf/") and (tail == k[3:] or tail.startswith(k[3:] + "/"))]
            return self.owners[max(hits, key=len)] if hits else None
        return self.owners.get(rest)


class AccessLog:
    """Requests per trial token, and what each token may fetch; only tokens the harness opened get a log."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[str, list[dict]] = {}
        self._allowed: dict[str, set[str]] = {}
        self._dropped: dict[str, int] = {}

    def open(self, trial: str, allowed=()) -> None:
        with self._lock:
            self._entries.setdefault(trial, [])
            self._allowed.setdefault(trial, set()).update(allowed)

    def allow(self, trial: str, names) -> None:
        """Add asset names to an opened token's allow-list."""
        with self._lock:
            if trial in self._allowed:
                self._allowed[trial].update(names)

    def allowed(self, trial: str) -> frozenset[str]:
        with self._lock:
            return frozenset(self._allowed.get(trial, ()))

    def add(self, trial: str, entry: dict) -> bool:
        with self._lock:
            if trial not in self._entries:
                return False
            if len(self._entries[trial]) < MAX_LOG_ENTRIES:
                self._entries[trial].append(entry)
            else:
                self._dropped[trial] = self._dropped.get(trial, 0) + 1
            return True

    def dropped(self, trial: str) -> int:
        with self._lock:
            return self._dropped.get(trial, 0)

    def get(self, trial: str) -> list[dict]:
        with self._lock:
            return [dict(e) for e in self._entries.get(trial, [])]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, routes: Routes, log: AccessLog):
        self.routes, self.log = routes, log
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mldevbench-mirror/1"
    server: _Server

    def log_message(self, fmt, *args):  # the access log replaces stderr noise
        pass

    def do_HEAD(self):
        self._dispatch(head=True)

    def do_GET(self):
        self._dispatch(head=False)

    # ---- dispatch
    def _dispatch(self, head: bool) -> None:
        split = urlsplit(self.path)
        path, query = unquote(split.path), split.query
        m = re.fullmatch(r"/t/([A-Za-z0-9_\-]+)/(.*)", path)
        trial, rest = (m.group(1), m.group(2)) if m else ("-", path.lstrip("/"))
        # logged before any byte goes out (status and bytes are filled in as they happen), so a client that
        # has its response always finds its request in the log
        self._entry = {"time": time.time(), "method": self.command, "path": "/" + rest, "query": query,
                       "status": 0, "bytes": 0}
        if not self.server.log.add(trial, self._entry):
            return self._error(404, "Not Found")  # no trial has this prefix
        try:
            routes = self.server.routes  # one table for the whole request
            if rest != "torchvision/checksums.json":
                owner = routes.owner(rest)
                self._entry["asset"] = owner
                if owner is None or owner not in self.server.log.allowed(trial):
                    self._entry["refused"] = True
                    if rest.startswith("hf/"):
                        return self._error(404, "Repository not found", "RepoNotFound")
                    return self._error(404, "Not Found")
            self._route(routes, rest, query, head, trial)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _route(self, routes: Routes, rest: str, query: str, head: bool, trial: str) -> None:
        if rest == MISSING_PATH or rest.startswith(MISSING_PATH + "/"):
            return self._error(404, "Not Found")
        if rest.startswith("hf/"):
            return self._hf(routes, rest[3:], query, head)
        if rest.startswith("torchvision/"):
            name = rest[len("torchvision/"):]
            if name == "checksums.json":
                allowed = self.server.log.allowed(trial)
                return self._json({k: v for k, v in routes.torchvision_checksums.items()
                                   if not isinstance(v, dict) or v.get("asset") in allowed}, head)
            if name in routes.torchvision:
                return self._file(routes.torchvision[name], head)
            return self._error(404, "Not Found")
        if rest in routes.files:
            return self._file(routes.files[rest], head)
        return self._error(404, "Not Found")

    # ---- Hugging Face endpoint
    @staticmethod
    def _find_repo(routes: Routes, rest: str):
        for repo_id in sorted(routes.hf, key=len, reverse=True):
            if rest == repo_id or rest.startswith(repo_id + "/"):
                return routes.hf[repo_id], rest[len(repo_id):].lstrip("/")
        return None, rest

    def _hf(self, routes: Routes, rest: str, query: str, head: bool) -> None:
        api = rest.startswith("api/models/")
        repo, tail = self._find_repo(routes, rest[len("api/models/"):] if api else rest)
        if repo is None:
            return self._error(404, "Repository not found", "RepoNotFound")
        if api:
            return self._hf_api(repo, tail, query, head)
        m = re.fullmatch(r"resolve/([^/]+)/(.+)", tail)
        if not m:
            return self._error(404, "Not Found", "EntryNotFound")
        if m.group(1) not in ("main", repo.commit):
            return self._error(404, f"Revision Not Found for url: {m.group(1)}", "RevisionNotFound")
        name = m.group(2)
        if name not in repo.files:
            return self._error(404, f"Entry Not Found for url: {name}", "EntryNotFound", repo.commit)
        etag = f'"{repo.digests[name]["sha256"]}"'
        self._file(repo.files[name], head, {"X-Repo-Commit": repo.commit, "ETag": etag})

    def _hf_api(self, repo: HfRepo, tail: str, query: str, head: bool) -> None:
        m = re.fullmatch(r"(?:revision/([^/]+))?", tail)
        if m:
            rev = m.group(1) or "main"
            if rev not in ("main", repo.commit):
                return self._error(404, "Invalid rev id", "RevisionNotFound")
            blobs = "blobs=true" in query.lower() or "blobs=1" in query
            siblings = [{"rfilename": n} | ({"size": repo.digests[n]["size"], "blobId": repo.blob_id(n),
                                              "lfs": self._lfs(repo, n)} if blobs else {})
                        for n in sorted(repo.files)]
            return self._json({"_id": repo.commit[:24], "id": repo.repo_id, "modelId": repo.repo_id,
                               "sha": repo.commit, "private": False, "disabled": False, "gated": False,
                               "downloads": 0, "likes": 0, "tags": [], "library_name": "transformers",
                               "lastModified": "2024-01-01T00:00:00.000Z", "createdAt": "2024-01-01T00:00:00.000Z",
                               "siblings": siblings}, head, {"X-Repo-Commit": repo.commit})
        m = re.fullmatch(r"tree/([^/]+)(?:/(.*))?", tail)
        if not m:
            return self._error(404, "Not Found")
        if m.group(1) not in ("main", repo.commit):
            return self._error(404, "Invalid rev id", "RevisionNotFound")
        prefix = (m.group(2) or "").strip("/")
        recursive = "recursive=true" in query.lower() or "recursive=1" in query
        entries, folders = [], set()
        for n in sorted(repo.files):
            if prefix and not n.startswith(prefix + "/"):
                continue
            rel = n[len(prefix) + 1:] if prefix else n
            if "/" in rel and not recursive:
                folders.add((prefix + "/" if prefix else "") + rel.split("/")[0])
                continue
            entries.append({"type": "file", "oid": repo.blob_id(n), "size": repo.digests[n]["size"], "path": n}
                           | ({"lfs": self._lfs(repo, n)} if self._lfs(repo, n) else {}))
        if prefix and not entries and not folders:
            return self._error(404, f"Entry not found: {prefix}", "EntryNotFound")
        entries += [{"type": "directory", "oid": hashlib.sha1(f.encode()).hexdigest(), "size": 0, "path": f}
                    for f in sorted(folders)]
        self._json(entries, head, {"X-Repo-Commit": repo.commit})

    @staticmethod
    def _lfs(repo: HfRepo, name: str):
        d = repo.digests[name]
        if name.endswith((".safetensors", ".bin", ".pth", ".pt", ".h5", ".msgpack")):
            return {"oid": d["sha256"], "size": d["size"], "pointerSize": 134}
        return None

    # ---- responses
    def _file(self, path: Path, head: bool, extra: dict | None = None) -> None:
        size = path.stat().st_size
        start, end, status = 0, size - 1, 200
        rng = self.headers.get("Range")
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", rng.strip()) if rng else None
        if m and (m.group(1) or m.group(2)):
            if m.group(1):
                start = int(m.group(1))
                end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
            else:
                start = max(0, size - int(m.group(2)))
            if start > end:
                return self._error(416, "Range Not Satisfiable")
            status = 206
        self._entry["status"] = status
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if head:
            return
        with open(path, "rb") as f:
            f.seek(start)
            left = end - start + 1
            while left > 0:
                chunk = f.read(min(CHUNK, left))
                if not chunk:
                    break
                self._entry["bytes"] += len(chunk)
                self.wfile.write(chunk)
                left -= len(chunk)

    def _json(self, obj, head: bool, extra: dict | None = None) -> None:
        self._body(200, json.dumps(obj).encode(), "application/json", head, extra)

    def _error(self, status: int, message: str, code: str | None = None, commit: str | None = None) -> None:
        extra = {"X-Error-Code": code, "X-Error-Message": message} if code else {}
        if commit:
            extra["X-Repo-Commit"] = commit
        if code:
            self._body(status, json.dumps({"error": message}).encode(), "application/json",
                       self.command == "HEAD", extra)
        else:
            self._body(status, message.encode() + b"\n", "text/plain; charset=utf-8", self.command == "HEAD", extra)

    def _body(self, status: int, body: bytes, ctype: str, head: bool, extra: dict | None = None) -> None:
        self._entry["status"] = status
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self._entry["bytes"] += len(body)
            self.wfile.write(body)


class Mirror:
    """The HTTP server in a daemon thread on 127.0.0.1:<ephemeral port>."""

    def __init__(self, routes: Routes):
        self.log = AccessLog()
        self._server = _Server(routes, self.log)
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="mldevbench-mirror", daemon=True)
        self._thread.start()

    @property
    def routes(self) -> Routes:
        return self._server.routes

    def set_routes(self, routes: Routes) -> None:
        """Replace the routing table (one assignment: a request sees the old table or the new one)."""
        self._server.routes = routes

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
