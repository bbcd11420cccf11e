"""AgentSpec of `cli`: any command-line agent from a template (`--agent-cmd`), driver in agents/cli/."""
from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

from .agentenv import venv_paths
from .spec import AgentContext, AgentSpec

ENV_VAR = "MLDB_AGENT_CMD"  # how the driver in agents/cli/ receives the template
# The names the driver (agents/cli/main.py, which runs inside the sandbox without this package) fills in.
PLACEHOLDERS = ("prompt_file", "prompt", "workspace", "model", "artifacts_dir", "trial_json")


def template_error(template: str) -> str | None:
    """Why the driver would refuse `template` (one line), or None; checked before any trial runs."""
    known = ", ".join("{" + k + "}" for k in PLACEHOLDERS)
    try:
        template.format_map({k: "x" for k in PLACEHOLDERS})  # what the driver does, with shell-quoted values
    except KeyError as exc:
        return f"--agent-cmd has an unknown placeholder {{{exc.args[0]}}}; known: {known} (write {{{{ }}}} for braces)"
    except (IndexError, ValueError, AttributeError) as exc:
        return f"--agent-cmd is not a valid template ({exc}); placeholders: {known} (write {{{{ }}}} for braces)"
    return None


def _template(ctx: AgentContext) -> str:
    return ctx.agent_cmd or ""


def _tool_paths(ctx: AgentContext) -> list[Path]:
    """The folder of the command's program (and of its real file); when that folder is a virtual
    environment's bin/, the whole environment and the interpreter it was made from (its packages live
    beside bin/, not in it)."""
    try:
        words = shlex.split(_template(ctx))
    except ValueError:
        return []
    found = shutil.which(words[0]) if words else None
    if not found:
        return []
    folders = [Path(found).parent, Path(os.path.realpath(found)).parent]
    return folders + [p for f in folders for p in venv_paths(f.parent)]


def _env(ctx: AgentContext) -> dict[str, str]:
    env = {ENV_VAR: _template(ctx)}
    extra = ":".join(str(p) for p in _tool_paths(ctx))
    if extra:  # the sandbox's PATH has the task env and system dirs; add the tool's own folder last
        env["PATH"] = f"{ctx.task_python.parent}:/usr/local/bin:/usr/bin:/bin:{extra}"
    return env


def spec() -> AgentSpec:
    """The `cli` agent (entry point `mldevbench.agents`)."""
    return AgentSpec(
        name="cli", uses_model=True,
        description="any command-line agent from --agent-cmd (meter URLs and key in its environment)",
        command=lambda ctx: [str(ctx.harness_python), str(ctx.repo_root / "agents" / "cli" / "main.py")],
        ro_paths=lambda ctx: [ctx.repo_root / "agents" / "cli", ctx.repo_root / "agents" / "common"]
        + _tool_paths(ctx),
        env=_env,
    )
