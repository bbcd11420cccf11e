"""Sandboxes: where agent commands and graded code run. One small interface, several backends."""
from __future__ import annotations

from .base import RunResult, SandboxSpec, Sandbox


def get_sandbox(name: str) -> Sandbox:
    if name == "local":
        from .local import LocalSandbox
        return LocalSandbox()
    if name == "docker":
        from .docker import DockerSandbox  # noqa: F401  (issue: Docker sandbox)
        return DockerSandbox()
    raise ValueError(f"unknown sandbox {name!r}")


__all__ = ["RunResult", "SandboxSpec", "Sandbox", "get_sandbox"]
