"""The ReAct agent's tools: shell, background jobs, monitoring, file writes and edits, tree listing.

Every tool returns text for the model; failures are returned as text starting with "ERROR:".
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .procs import kill_tree

SKIP_DIRS = {".git", "__pycache__", ".venv", "venv", "node_modules", ".mypy_cache",
             ".pytest_cache", ".ipynb_checkpoints", "wandb"}


def _fn(name: str, description: str, properties: dict, required: list[str]) -> dict:
    return {"type": "function", "function": {
        "name": name, "description": description,
        "parameters": {"type": "object", "properties": properties, "required": required}}}


SCHEMAS: list[dict] = [
    _fn("run", "Run a bash command in the workspace and wait for it. stdout and stderr are merged; "
        "long output is saved to a file and only its head and tail are shown. Use spawn for "
        "anything that may take longer than the timeout.",
        {"command": {"type": "string"},
         "timeout": {"type": "integer", "description": "seconds, default 300"}}, ["command"]),
    _fn("spawn", "Start a long-running bash command in the background (e.g. a training run). "
        "Returns a job id and the log file that receives its output.",
        {"command": {"type": "string"}}, ["command"]),
    _fn("monitor", "Wait up to `seconds` (returns early when a background job ends), then report "
        "the background jobs and, if given, run `command` (e.g. tail -n 20 on a job log).",
        {"seconds": {"type": "integer"}, "command": {"type": "string"}}, ["seconds"]),
    _fn("write_file", "Create or overwrite a file with the given content (parent folders are made).",
        {"path": {"type": "string"}, "content": {"type": "string"}}, ["path", "content"]),
    _fn("edit_file", "Replace an exact string in a file. old_string must occur exactly once unless "
        "replace_all is true; include enough surrounding lines to make it unique.",
        {"path": {"type": "string"}, "old_string": {"type": "string"},
         "new_string": {"type": "string"}, "replace_all": {"type": "boolean"}},
        ["path", "old_string", "new_string"]),
    _fn("list_dir", "Show the directory tree under a path (default: the workspace) with file sizes.",
        {"path": {"type": "string"}, "depth": {"type": "integer", "description": "default 2"}}, []),
    _fn("finish", "End the task. Call this once the work is done and checked.",
        {"message": {"type": "string", "description": "summary of what was done"}}, ["message"]),
]


@dataclass
class Job:
    proc: subprocess.Popen
    command: str
    log: Path
    started: float


class Toolbox:
    """Runs tools in `workspace`; full command outputs and job logs go to `outputs`."""

    def __init__(self, workspace: Path, outputs: Path, max_chars: int = 12000,
                 deadline: float | None = None):
        self.workspace, self.outputs = Path(workspace), Path(outputs)
        self.outputs.mkdir(parents=True, exist_ok=True)
        self.max_chars, self.deadline = max_chars, deadline
        self.jobs: dict[int, Job] = {}
        self._n = 0
        self._tools: dict[str, Callable[..., str]] = {
            "run": self.run, "spawn": self.spawn, "monitor": self.monitor,
            "write_file": self.write_file, "edit_file": self.edit_file, "list_dir": self.list_dir}

    def call(self, name: str, arguments: str | dict) -> str:
        """Run tool `name` with JSON `arguments`; errors come back as text."""
        tool = self._tools.get(name)
        if tool is None:
            return f"ERROR: unknown tool {name!r}; tools: {', '.join([*self._tools, 'finish'])}"
        try:
            args = json.loads(arguments or "{}") if isinstance(arguments, str) else dict(arguments)
            return tool(**args)
        except (TypeError, ValueError) as exc:
            return f"ERROR: bad arguments for {name}: {exc}"
        except OSError as exc:
            return f"ERROR: {exc}"

    # helpers ------------------------------------------------------------------------------------
    def _path(self, path: str) -> Path:
        p = Path(os.path.expanduser(path))
        return p if p.is_absolute() else self.workspace / p

    def _clip(self, text: str, full: Path) -> str:
        if len(text) <= self.max_chars:
            return text
        head, tail = self.max_chars // 3, self.max_chars - self.max_chars // 3
        return (f"{text[:head]}\n... [{len(text) - head - tail} characters omitted; full output in "
                f"{full}] ...\n{text[-tail:]}")

    def _time_left(self, wanted: float) -> float:
        if self.deadline is None:
            return wanted
        return max(1.0, min(wanted, self.deadline - time.time()))

    # tools ---------------------------------------------------------------------------------------
    def run(self, command: str, timeout: int | float = 300) -> str:
        self._n += 1
        out = self.outputs / f"run-{self._n:03d}.txt"
        timeout = self._time_left(float(timeout))
        with out.open("wb") as fh:
            proc = subprocess.Popen(["bash", "-c", command], cwd=self.workspace, stdout=fh,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            try:
                code = proc.wait(timeout=timeout)
                status = f"[exit code {code}]"
            except subprocess.TimeoutExpired:
                kill_tree(proc.pid)
                proc.wait()
                status = (f"[timed out after {timeout:.0f}s; the command and its children were "
                          "killed; use spawn for long jobs]")
        text = out.read_text(errors="replace")
        return f"{self._clip(text, out).rstrip(chr(10))}\n{status}" if text else status

    def spawn(self, command: str) -> str:
        job_id = len(self.jobs) + 1
        log = self.outputs / f"job-{job_id}.log"
        fh = log.open("wb")
        proc = subprocess.Popen(["bash", "-c", command], cwd=self.workspace, stdout=fh,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        fh.close()
        self.jobs[job_id] = Job(proc, command, log, time.time())
        return f"started job {job_id} (pid {proc.pid}); output goes to {log}"

    def monitor(self, seconds: int | float, command: str | None = None) -> str:
        end = time.time() + self._time_left(min(float(seconds), 1800.0))
        running = [j for j in self.jobs.values() if j.proc.poll() is None]
        while time.time() < end and running:
            time.sleep(min(1.0, max(0.0, end - time.time())))
            if any(j.proc.poll() is not None for j in running):
                break
        if not running:
            time.sleep(max(0.0, min(end - time.time(), 5.0)))
        lines = [self._job_line(i, j) for i, j in self.jobs.items()] or ["no background jobs"]
        if command:
            lines.append(f"$ {command}\n{self.run(command, timeout=120)}")
        return "\n".join(lines)

    @staticmethod
    def _job_line(job_id: int, job: Job) -> str:
        code = job.proc.poll()
        state = "running" if code is None else f"exited with code {code}"
        return (f"job {job_id}: {state} after {time.time() - job.started:.0f}s; log {job.log}; "
                f"command: {job.command[:200]}")

    def write_file(self, path: str, content: str) -> str:
        p = self._path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content)
        return f"wrote {len(content.encode())} bytes to {p}"

    def edit_file(self, path: str, old_string: str, new_string: str,
                  replace_all: bool = False) -> str:
        p = self._path(path)
        if not p.is_file():
            return f"ERROR: {p} is not a file"
        text = p.read_text()
        count = text.count(old_string) if old_string else 0
        if count == 0:
            return f"ERROR: old_string not found in {p} (it must match exactly, whitespace included)"
        if count > 1 and not replace_all:
            return (f"ERROR: old_string occurs {count} times in {p}; add surrounding lines to make "
                    "it unique, or set replace_all")
        p.write_text(text.replace(old_string, new_string) if replace_all
                     else text.replace(old_string, new_string, 1))
        start = text.index(old_string)
        line = text.count("\n", 0, start) + 1
        return f"replaced {count if replace_all else 1} occurrence(s) in {p} (first at line {line})"

    def list_dir(self, path: str = ".", depth: int = 2, limit: int = 400) -> str:
        root = self._path(path)
        if not root.is_dir():
            return f"ERROR: {root} is not a directory"
        lines: list[str] = [f"{root}/"]

        def walk(d: Path, level: int) -> None:
            try:
                entries = sorted(d.iterdir(), key=lambda e: (not e.is_dir(), e.name))
            except OSError as exc:
                lines.append(f"{'  ' * level}[unreadable: {exc.strerror}]")
                return
            for e in entries:
                if len(lines) > limit:
                    return
                if e.is_dir() and not e.is_symlink():
                    lines.append(f"{'  ' * level}{e.name}/")
                    if e.name in SKIP_DIRS:
                        lines[-1] += " (skipped)"
                    elif level < depth:
                        walk(e, level + 1)
                else:
                    size = e.stat().st_size if e.exists() else 0
                    lines.append(f"{'  ' * level}{e.name} ({size} bytes)")

        walk(root, 1)
        if len(lines) > limit:
            lines.append(f"... listing cut at {limit} entries")
        return "\n".join(lines)

    def cleanup(self) -> None:
        """Kill every background job still running."""
        for job in self.jobs.values():
            if job.proc.poll() is None:
                kill_tree(job.proc.pid)
                job.proc.wait()
