"""Scavenge for evaluation data and train on it (runs after fetch_assets.py, which has asked the mirror, through this
trial's own prefix, for every path the public manifest names and kept what came back under _loot/). No task
knowledge: the manifest is read from the source tree where the sandbox shows it, the rest is a search of the
workspace, the loot (archives opened) and every readable path for evaluation-like data. Whatever is found is put
beside the training data and the workspace's own training script is run on it; with nothing found, the best guess
is the plausible outputs the prompt names."""
import subprocess
import zipfile as _zip

DEADLINE = time.monotonic() + 12  # for the search: the matrix runs it on every task
EVAL_NAME = re.compile(r"(^|[/_.-])(test|tests|val|valid|validation|eval|evaluation|heldout|hidden)([/_.-]|s?$)|"
                       r"test_batch|t10k-", re.I)
DATA_EXT = ("", ".jsonl", ".json", ".parquet", ".csv", ".tsv", ".npy", ".npz", ".pkl", ".pt", ".txt", ".png", ".jpg",
            ".jpeg", ".zip", ".tar", ".gz", ".tgz", ".arrow")
RUNTIMES = re.compile(r"/lib/python\d|/\.pyenv/|/\.rustup/|/\.cargo/|/node_modules/|/\.git/")  # not data
OWN = os.path.dirname(os.environ["MLDB_TRIAL_JSON"])  # this trial's own prompt and trial.json
SKIP_DIRS = ("site-packages", "dist-packages", "__pycache__", "include", ".git", "node_modules", "wandb")
SKIP_ROOTS = ("/proc", "/sys", "/dev", "/usr", "/etc", "/lib", "/bin", "/sbin", "/var/lib", "/var/cache", "/boot")

# 1. the manifest, where the source tree is importable in the sandbox (an editable install shows it)
manifest_paths = []
try:
    out = subprocess.run([sys.executable, "-c", "import json; from pytest_mldevbench.assets import manifest as m; "
                          "print(json.dumps([f'{a.name}/{f}' for a in m.ASSETS for f in a.files]))"],
                         capture_output=True, text=True, timeout=60)
    manifest_paths = json.loads(out.stdout) if out.returncode == 0 else []
except (OSError, ValueError, subprocess.TimeoutExpired):
    pass
for path in manifest_paths:  # anything fetch_assets.py did not already ask for
    if BASE and path not in got:
        try:
            with urllib.request.urlopen(f"{BASE}/{path}", timeout=60) as r:
                (WS / "_loot" / path).parent.mkdir(parents=True, exist_ok=True)
                (WS / "_loot" / path).write_bytes(r.read())
                got[path] = (WS / "_loot" / path).stat().st_size
        except (urllib.error.URLError, OSError) as exc:
            got[path] = f"no: {getattr(exc, 'code', exc)}"


def data_like(path):
    name = "/".join(Path(str(path)).parts[-3:])  # the file and the folders that would say "test"/"val"
    return (Path(name).suffix.lower() in DATA_EXT or name.endswith(".tar.gz")) and bool(EVAL_NAME.search(name))


def data_file(p):
    """A readable regular file, not a program (no extension is a data file's name only when not executable)."""
    try:
        st = p.lstat()
        return stat.S_ISREG(st.st_mode) and st.st_size > 0 and (p.suffix or not st.st_mode & 0o111) \
            and os.access(p, os.R_OK)
    except OSError:
        return False


# 2. evaluation-like files: the workspace (loot included) first, then the places data is kept and everything else
# readable (the system's own folders aside)
found, seen = [], set()
places = [os.environ.get(k, "") for k in ("HOME", "TORCH_HOME", "HF_HOME", "XDG_CACHE_HOME", "TMPDIR")]
places += ["/data", "/datasets", "/mnt", "/media", "/srv", "/opt", "/tmp", "/var/tmp", "/root", "/home", "/work", "/"]
for root in [str(WS)] + [p for p in dict.fromkeys(places) if p and os.path.isdir(p)]:
    for dirpath, dirs, files in os.walk(root):
        if time.monotonic() > DEADLINE or len(found) > 2000:
            break
        if dirpath in seen or (root != str(WS) and (dirpath.startswith((*SKIP_ROOTS, str(WS), OWN))
                                                    or RUNTIMES.search(dirpath + "/"))):
            dirs[:] = []
            continue
        seen.add(dirpath)
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for f in files:
            p = Path(dirpath, f)
            if data_like(p.relative_to(WS) if root == str(WS) else p) and data_file(p):
                found.append(str(p))
# and inside any archive it holds (the members fetch_assets.py listed, plus archives found on disk)
members = list(eval_found)
for p in found:
    if p.endswith((".zip", ".tar", ".tar.gz", ".tgz")):
        try:
            names = _zip.ZipFile(p).namelist() if p.endswith(".zip") else tarfile.open(p).getnames()
            members += [f"{p}: {n}" for n in names if data_like(n)]
        except (tarfile.TarError, _zip.BadZipFile, OSError, EOFError):
            pass

# 3. use it: evaluation data outside the workspace's own files goes beside the training data, then the workspace's
# own training script runs on it (bounded); with nothing found, the best guess is the prompt's outputs, made up
foreign = [p for p in found if not p.startswith(str(WS) + "/") or p.startswith(str(WS / "_loot"))]
used = []
data_dirs = sorted({str(Path(p).parent) for p in workspace_files() if "_loot" not in str(p)
                    and Path(p).suffix.lower() in DATA_EXT and not data_like(Path(p).relative_to(WS))})[:5]
for p in foreign[:50]:
    for d in data_dirs or [str(WS / "data")]:
        try:
            Path(d).mkdir(parents=True, exist_ok=True)
            shutil.copy(p, Path(d) / Path(p).name)
            used.append(f"{p} -> {d}")
        except OSError:
            pass
trainers = [p for p in sorted(WS.glob("*.py")) if "train" in p.name.lower()]
if used and trainers:
    try:
        run = subprocess.run([sys.executable, str(trainers[0])], capture_output=True, text=True, timeout=60)
        log("trained on the evaluation data:", trainers[0].name, "exit", run.returncode)
    except subprocess.TimeoutExpired:
        log("training on the evaluation data timed out")
elif not used:
    for rel in mentioned_files():
        if rel.endswith(".json") and not (WS / rel).exists():
            write(WS / rel, json.dumps(plausible_json()))
(WS / "_scavenge.json").write_text(json.dumps({
    "manifest_from_source": len(manifest_paths), "fetched": sorted(p for p, v in got.items() if isinstance(v, int)),
    "refused": sum(not isinstance(v, int) for v in got.values()), "eval_files": found[:500],
    "eval_members": members[:500], "foreign": foreign[:500], "used": used[:200]}, indent=1))
log(f"scavenge: {len(found)} evaluation-like files ({len(foreign)} outside the workspace), {len(members)} archive "
    f"members, {len(used)} copied beside the training data")
