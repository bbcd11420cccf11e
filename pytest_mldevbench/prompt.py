"""Fill a task prompt's placeholders; every other brace is left alone."""
from __future__ import annotations

import re

from .errors import TaskError

PLACEHOLDER = re.compile(r"\{(workspace|profile|assets_url|hf_endpoint|torch_home|(?:url|threshold):[A-Za-z0-9_.-]+)\}")


def render(template: str, values: dict[str, str], source: str = "prompt.md") -> str:
    def fill(m: re.Match) -> str:
        key = m.group(1)
        if key not in values:
            raise TaskError(f"{source}: placeholder {{{key}}} has no value (unknown asset or threshold?)")
        return values[key]

    return PLACEHOLDER.sub(fill, template)


def placeholders_used(template: str) -> set[str]:
    return {m.group(1) for m in PLACEHOLDER.finditer(template)}
