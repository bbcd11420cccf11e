"""Point torchvision's CIFAR10/CIFAR100/MNIST/VOCSegmentation downloads at the mldevbench asset mirror.

Installed into the task environment's site-packages with `mldevbench_tv_mirror.pth`, so it runs in every
Python process there. It does nothing unless MLDB_TORCHVISION_MIRROR is set (the sandbox sets it to
`<assets_url>/torchvision/`). Then, when torchvision's dataset modules are imported, their download URLs
are redirected to the mirror; and on the first dataset construction the mirror's `checksums.json` is read
once: in the smoke profile its MD5s replace torchvision's tables (tarball, every batch and meta file, MNIST
.gz files, the VOC tar), in the full profile the tables stay untouched.
"""
import os
import sys

_MIRROR = os.environ.get("MLDB_TORCHVISION_MIRROR", "")
_WATCHED = ("torchvision.datasets.cifar", "torchvision.datasets.mnist", "torchvision.datasets.voc")
_state = {"checksums": None}


def _fetch_checksums():
    if _state["checksums"] is None:
        import json
        import urllib.request
        try:
            with urllib.request.urlopen(_MIRROR + "checksums.json", timeout=30) as r:
                _state["checksums"] = json.load(r)
        except Exception as exc:  # the download itself will then fail with torchvision's own message
            sys.stderr.write(f"mldevbench: could not read {_MIRROR}checksums.json: {exc}\n")
            _state["checksums"] = {}
    return _state["checksums"]


def _apply_checksums(module_name):
    table = _fetch_checksums()
    if table.get("profile") != "smoke":
        return
    mod = sys.modules.get(module_name)
    if module_name.endswith(".cifar") and mod is not None:
        for cls in (mod.CIFAR10, mod.CIFAR100):
            entry = table.get(cls.__name__)
            if entry and "tgz_md5" in entry:
                cls.tgz_md5 = entry["tgz_md5"]
                cls.train_list = [list(x) for x in entry["train_list"]]
                cls.test_list = [list(x) for x in entry["test_list"]]
                cls.meta = dict(cls.meta, md5=entry["meta_md5"])
    elif module_name.endswith(".mnist") and mod is not None and "MNIST" in table:
        mod.MNIST.resources = [tuple(x) for x in table["MNIST"]["resources"]]
    elif module_name.endswith(".voc") and mod is not None and "VOC2012" in table:
        mod.DATASET_YEAR_DICT["2012"] = dict(mod.DATASET_YEAR_DICT["2012"], md5=table["VOC2012"]["md5"])


def _wrap_init(cls, module_name):
    original = cls.__init__
    done = []

    def __init__(self, *args, **kwargs):
        if not done:
            _apply_checksums(module_name)
            done.append(True)
        original(self, *args, **kwargs)

    __init__.__wrapped__ = original
    __init__.__doc__ = original.__doc__
    cls.__init__ = __init__


def _patch(mod):
    name = mod.__name__
    if name.endswith(".cifar"):
        for cls in (mod.CIFAR10, mod.CIFAR100):
            cls.url = _MIRROR + cls.filename
        _wrap_init(mod.CIFAR10, name)
    elif name.endswith(".mnist"):
        mod.MNIST.mirrors = [_MIRROR]
        _wrap_init(mod.MNIST, name)
    elif name.endswith(".voc"):
        entry = mod.DATASET_YEAR_DICT["2012"]
        mod.DATASET_YEAR_DICT["2012"] = dict(entry, url=_MIRROR + entry["filename"])
        _wrap_init(mod._VOCBase, name)


class _Finder:
    """Meta-path finder that lets the real loader run, then patches the watched module."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in _WATCHED:
            return None
        from importlib.machinery import PathFinder
        spec = PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            try:
                _patch(module)
            except Exception as exc:  # never break torchvision itself
                sys.stderr.write(f"mldevbench: torchvision mirror patch failed for {fullname}: {exc}\n")
        spec.loader.exec_module = exec_and_patch
        return spec


if _MIRROR:
    if not _MIRROR.endswith("/"):
        _MIRROR += "/"
    sys.meta_path.insert(0, _Finder())
