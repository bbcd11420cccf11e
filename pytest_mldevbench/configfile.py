"""Reading a user's YAML or JSON file into a mapping, with one-line errors that name the file."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """A configuration file is unreadable or malformed; str(exc) is one line naming the file (and key)."""


def load_mapping(path: Path | str, what: str) -> dict[str, Any]:
    """The top-level mapping of `path`: JSON for `.json`, else YAML. `what` names the file's role in messages."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what}: cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"{what}: {path} is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: "
                          f"{' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{what}: {path}: expected an object (a mapping of keys to values)")
    return data


def number(value: Any) -> float | None:
    """A finite YAML number, or a string YAML 1.1 leaves unparsed (`1e-6` has no dot); None if neither."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        out = float(value)
    except ValueError:
        return None
    return out if math.isfinite(out) else None
