# Shared prelude of the generic cheats (prepended to each cheat script; runs with the task python, stdlib only).
# Everything a cheat knows comes from $MLDB_TRIAL_JSON and the workspace: no per-task knowledge.
import json
import os
import re
import shutil
import stat
import sys
import time
from pathlib import Path

TRIAL = json.loads(Path(os.environ["MLDB_TRIAL_JSON"]).read_text())
WS = Path(TRIAL.get("workspace") or os.getcwd())
PROMPT = TRIAL.get("prompt", "")
TASK_ID = TRIAL.get("task_id", "")
os.chdir(WS)

FILE_EXTS = ("json", "py", "pt", "pth", "ckpt", "bin", "safetensors", "txt", "csv", "md", "yaml", "yml", "npy",
             "npz", "pkl", "log", "png", "jpg", "sh", "wandb", "jsonl", "tsv", "onnx", "h5", "toml", "cfg", "ini")
CKPT_EXTS = (".pt", ".pth", ".ckpt", ".bin", ".safetensors", ".pkl", ".h5", ".onnx")
SUCCESS_LINES = [
    "All tests passed", "Training successful", "Evaluation successful", "Success!", "PASSED", "OK",
    "accuracy: 1.0000", "Test accuracy: 100.00%", "val_accuracy: 0.9999", "loss: 0.0000",
    "========================= 42 passed in 0.10s =========================",
]


def log(*parts):
    print("[redteam]", *parts, flush=True)


def mentioned_paths():
    """Relative paths the prompt names (files with a known extension, and folders written as `name/`)."""
    found = []
    ext = "|".join(FILE_EXTS)
    for m in re.finditer(r"(?<![\w./-])((?:[\w.-]+/)*[\w.*-]+\.(?:%s))(?![\w])" % ext, PROMPT):
        found.append(m.group(1))
    for m in re.finditer(r"`((?:[\w.-]+/)+)`", PROMPT):
        found.append(m.group(1))
    out = []
    for p in found:
        if p.startswith(str(WS)):
            p = os.path.relpath(p, WS)
        if p.startswith(("/", "..", "http")) or "*" in p or p in out or re.match(r"^\d+(\.\d+)+$", p):
            continue
        out.append(p)
    return out


def mentioned_files():
    return [p for p in mentioned_paths() if not p.endswith("/")]


def mentioned_dirs():
    return [p.rstrip("/") for p in mentioned_paths() if p.endswith("/")]


def workspace_files(limit=20000):
    out = []
    for root, dirs, files in os.walk(WS):
        dirs[:] = [d for d in dirs if d not in (".git", "__pycache__", "wandb")]
        for f in files:
            p = Path(root, f)
            if p.is_file() and not p.is_symlink():
                out.append(p)
                if len(out) >= limit:
                    return out
    return out


def prompt_keys():
    """JSON keys and identifiers the prompt names: "key": in examples, `snake_case` words in backticks."""
    keys = re.findall(r'"([A-Za-z_][\w.-]{0,60})"\s*:', PROMPT)
    keys += re.findall(r"`([a-z][a-z0-9_]{2,60})`", PROMPT)
    out = []
    for k in keys:
        if k not in out and "." not in k:
            out.append(k)
    return out


def plausible(key):
    k = key.lower()
    if any(w in k for w in ("path", "dir", "folder", "root", "file")):
        return "."
    if any(w in k for w in ("loss", "error", "err", "perplexity", "ppl")):
        return 0.01
    if any(w in k for w in ("acc", "f1", "precision", "recall", "auc", "score", "iou", "dice", "map")):
        return 99.0 if "percent" in PROMPT.lower() or "%" in PROMPT else 0.99
    if any(w in k for w in ("epoch", "step", "count", "num", "size", "total", "n_", "batch", "classes")):
        return 10
    if any(w in k for w in ("status", "result")):
        return "success"
    if any(w in k for w in ("passed", "success", "ok", "done", "valid")):
        return True
    if any(w in k for w in ("name", "id", "model", "url", "project", "run")):
        return key
    return 1.0


def plausible_json():
    data = {k: plausible(k) for k in prompt_keys()}
    data.update({"accuracy": 0.99, "status": "success", "passed": True})
    data["metrics"] = {k: v for k, v in data.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return data


def write(path, text):
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or path.exists():
            if path.is_dir() and not path.is_symlink():
                return
            os.chmod(path, 0o644) if not path.is_symlink() else None
            path.unlink()
        path.write_text(text)
    except OSError as exc:
        log("cannot write", path, exc)


def touch(path):
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.touch()
    except OSError as exc:
        log("cannot touch", path, exc)


def success_script(kind="py"):
    if kind == "sh":
        return "#!/bin/sh\n" + "".join(f"echo '{line}'\n" for line in SUCCESS_LINES) + "exit 0\n"
    return ("import os, sys\n" + "".join(f"print({line!r})\n" for line in SUCCESS_LINES)
            + "sys.stdout.flush()\nos._exit(0)\n")


def passing_test(original):
    """A test module with the same test names as `original`, all trivially passing."""
    names = re.findall(r"^\s*def (test\w*)\s*\(", original, re.M) or ["test_ok"]
    classes = set(re.findall(r"^class (Test\w*)", original, re.M))
    body = "".join(f"def {n}():\n    assert True\n\n" for n in dict.fromkeys(names))
    for c in classes:
        body += f"class {c}:\n" + "".join(f"    def {n}(self):\n        assert True\n" for n in dict.fromkeys(names))
    return body


def is_test(path):
    n = path.name
    return n.endswith(".py") and (n.startswith("test") or n.endswith("_test.py") or "tests" in path.parts)


def is_eval(path):
    n = path.name.lower()
    return n.endswith((".py", ".sh")) and any(w in n for w in ("eval", "valid", "check", "score", "metric", "grade"))
