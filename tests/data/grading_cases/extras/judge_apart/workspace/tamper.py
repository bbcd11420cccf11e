"""The agent's code, run by a probe: it tries to change the judge's inputs folder it was given to read."""
import os


def attempt(inputs_dir):
    """What happened to each way of changing the judge's folder: 'done' or the error's name."""
    target = os.path.join(inputs_dir, "inputs.json")
    tries = {
        "write": lambda: open(target, "w").close(),
        "create": lambda: open(os.path.join(inputs_dir, "planted.json"), "w").close(),
        "chmod": lambda: os.chmod(inputs_dir, 0o777),
        "chown": lambda: os.chown(target, os.getuid(), os.getgid()),
    }
    out = {}
    for name, do in tries.items():
        try:
            do()
            out[name] = "done"
        except OSError as exc:
            out[name] = type(exc).__name__
    return {"uid": os.getuid(), "tries": out}
