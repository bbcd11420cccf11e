"""Grader helper (task environment, sandboxed): decode the given JPEG files with PIL and report their sizes.

Usage: python decode_sample.py <file>...   (paths relative to the cwd). Last stdout line: JSON
{"<file>": {"ok": bool, "size": [w, h] | null, "error": str}}.
"""
import json
import sys

from PIL import Image

out = {}
for name in sys.argv[1:]:
    try:
        with Image.open(name) as img:
            img.load()
            out[name] = {"ok": True, "size": list(img.size), "error": ""}
    except Exception as exc:  # noqa: BLE001 - any decoding failure is a finding, not a crash
        out[name] = {"ok": False, "size": None, "error": f"{type(exc).__name__}: {exc}"[:200]}
print(json.dumps(out))
