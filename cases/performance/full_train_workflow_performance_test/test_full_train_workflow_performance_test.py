"""Validator for full_train_workflow_performance_test (noisy Imagenette): accuracy recomputed on withheld images.

The served archive is derived from the profile's source archive (smoke: the generated `imagenette2-160-p2`;
full: the real `imagenette2-160`): a seeded part of every val class is withheld (with its CSV rows) as the
hidden evaluation set, the rest is served at `{assets_url}/imagenette2-160-p2/imagenette2-160.tgz` with no
label in any path (flat train/ and val/ folders, opaque names keyed by the source archive's bytes, which the
agent never has) and only the `noisy_labels_50` and `is_valid` columns: the CSV is the only label source. The
derivation is deterministic and cached next to the source in the grader's asset cache. The prediction step
runs the agent's utils.get_best_model() in the sandbox on the withheld images only; the grader scores.
"""
import csv
import gzip
import hashlib
import hmac
import io
import json
import random
import shutil
import tarfile
from pathlib import Path

from pytest_mldevbench.grading import memory
from pytest_mldevbench.refcache import built_once

SOURCE = {"smoke": "imagenette2-160-p2", "full": "imagenette2-160"}
SERVED = "imagenette2-160-p2"          # the served copy's name: {assets_url}/<SERVED>/imagenette2-160.tgz
ARCHIVE = "imagenette2-160.tgz"
TOP = "imagenette2-160"
WITHHOLD = {"smoke": (2, 3), "full": (1, 2)}   # fraction of each val class withheld (num, den), rounded down
DERIVED_VERSION = "perf-p2-v3"
SERVED_COLUMNS = ["path", "noisy_labels_50", "is_valid"]  # 0/1/5/25 % noise: (near-)clean labels, not served
WNIDS = ["n01440764", "n02102040", "n02979186", "n03000684", "n03028079",
         "n03394916", "n03417042", "n03425413", "n03445777", "n03888257"]
EVAL_DIR = "_mldb_eval"
FIXED_MTIME = 1_262_304_000


# ---- derivation (pure standard library: the harness has no ML stack) -------------------------------------
def _tar_bytes(members: dict[str, bytes]) -> bytes:
    """A gzip tar with sorted members, parent directories, fixed mtime/owner and a gzip header without time."""
    names = set(members)
    for name in members:
        parts = name.split("/")
        names.update("/".join(parts[:i]) for i in range(1, len(parts)))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name in sorted(names):
            info = tarfile.TarInfo(name)
            info.mtime, info.uid, info.gid, info.uname, info.gname = FIXED_MTIME, 0, 0, "", ""
            if name in members:
                info.size, info.mode = len(members[name]), 0o644
                tar.addfile(info, io.BytesIO(members[name]))
            else:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=6) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def derive(source: Path, out: Path, withhold: tuple[int, int]) -> None:
    """From a real-layout archive: served/imagenette2-160.tgz (minus the withheld val images and their CSV rows;
    every image renamed to <split>/<opaque>.JPEG; the CSV with SERVED_COLUMNS only, rows sorted by the new path),
    eval/<index>.JPEG + eval/labels.json (withheld images, clean labels), split.json (spot pairs, counts)."""
    files = {}
    with tarfile.open(source, "r:gz") as tar:
        for m in tar:
            if m.isfile():
                files[m.name] = tar.extractfile(m).read()
    csv_name = f"{TOP}/noisy_imagenette.csv"
    rows = list(csv.DictReader(io.StringIO(files[csv_name].decode("utf-8"))))
    key = hashlib.sha256(b"mldb-opaque-names\0" + source.read_bytes()).digest()

    def opaque(rel: str) -> str:  # train/<wnid>/<wnid>_123.JPEG -> train/<16 hex>.JPEG
        return f"{rel.split('/')[0]}/{hmac.new(key, rel.encode(), 'sha256').hexdigest()[:16]}.JPEG"
    val = {}
    for name in files:
        parts = name.split("/")
        if len(parts) == 4 and parts[1] == "val" and parts[3].upper().endswith(".JPEG"):
            val.setdefault(parts[2], []).append(name)
    rng = random.Random(0)
    withheld = []
    for wnid in sorted(val):
        names = sorted(val[wnid])
        withheld += sorted(rng.sample(names, len(names) * withhold[0] // withhold[1]))
    gone = set(withheld)
    rel_gone = {n[len(TOP) + 1:] for n in gone}
    kept_rows = sorted(({**r, "path": opaque(r["path"])} for r in rows if r["path"] not in rel_gone),
                       key=lambda r: r["path"])
    served = {f"{TOP}/{opaque(n[len(TOP) + 1:])}": files[n] for n in files
              if n not in gone and n != csv_name and n.upper().endswith(".JPEG")}
    if len({r["path"] for r in kept_rows}) != len(kept_rows) or len(served) != len(kept_rows):
        raise RuntimeError(f"{source}: opaque names collide or CSV rows and images differ")
    text = io.StringIO()
    w = csv.DictWriter(text, fieldnames=SERVED_COLUMNS, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(kept_rows)
    served[csv_name] = text.getvalue().encode()
    (out / "served").mkdir(parents=True)
    (out / "eval").mkdir()
    (out / "served" / ARCHIVE).write_bytes(_tar_bytes(served))
    labels = []
    for i, name in enumerate(withheld):
        (out / "eval" / f"{i:05d}.JPEG").write_bytes(files[name])
        labels.append(WNIDS.index(name.split("/")[2]))
    (out / "eval" / "labels.json").write_text(json.dumps(labels))
    train_rows = sorted((r["path"], r["noisy_labels_50"]) for r in kept_rows if r["path"].startswith("train/"))
    spots = random.Random(4).sample(train_rows, 4)
    (out / "split.json").write_text(json.dumps({
        "spot_pairs": spots, "num_withheld": len(withheld), "num_served_val": sum(map(len, val.values())) - len(gone),
        "num_train": len(train_rows), "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest()}, indent=1))


def derived(grading) -> Path:
    """The cached derivation for this profile's source (built once per machine under a file lock)."""
    source_dir = grading.asset_reference(SOURCE[grading.profile])
    return built_once(source_dir.parent / f"derived-{DERIVED_VERSION}",
                      lambda out: derive(source_dir / ARCHIVE, out, WITHHOLD[grading.profile]))


def prepare_workspace(grading):
    """Serve the derived archive (no withheld image in it) at {assets_url}/imagenette2-160-p2/."""
    grading.serve_directory(SERVED, derived(grading) / "served")
    return None


# ---- grading --------------------------------------------------------------------------------------------
def _norm(path: str) -> str:
    path = path.strip().replace("\\", "/")
    for prefix in ("./", "dataset/", f"{TOP}/"):
        if path.startswith(prefix):
            path = path[len(prefix):]
    return path


def csv_problem(grading, split) -> str:
    """Why dataset/noisy_labels_50.csv does not carry the 50 %-noise train labels ("" when it does)."""
    text = grading.read_text(grading.path("dataset/noisy_labels_50.csv"), limit=50_000_000)
    try:
        reader = csv.DictReader(io.StringIO(text or ""))
        if not reader.fieldnames or reader.fieldnames[:2] != ["path", "label"]:
            return f"dataset/noisy_labels_50.csv missing or columns {reader.fieldnames}, expected path,label"
        rows = {_norm(r["path"] or ""): (r["label"] or "").strip() for r in reader}
    except csv.Error as exc:
        return f"dataset/noisy_labels_50.csv: {exc}"
    with tarfile.open(derived(grading) / "served" / ARCHIVE, "r:gz") as tar:
        served = tar.extractfile(f"{TOP}/noisy_imagenette.csv").read().decode("utf-8")
    truth = {r["path"]: r["noisy_labels_50"] for r in csv.DictReader(io.StringIO(served)) if r["path"].startswith("train/")}
    spots_ok = all(rows.get(p) == lab for p, lab in split["spot_pairs"])
    same = sum(rows.get(p) == lab for p, lab in truth.items())
    ok = spots_ok and truth and same / len(truth) >= 0.999
    return "" if ok else f"spot pairs ok: {spots_ok}; {same}/{len(truth)} train rows carry the 50 % label"


def metrics_problem(grading) -> str:
    m = grading.read_json(grading.path("training_metrics.json"), limit=5_000_000)
    if not isinstance(m, dict):
        return "training_metrics.json is missing or not JSON"
    best = grading.number(m.get("best_val_acc"))
    return "" if best is not None and 1 < best <= 100 else f"best_val_acc {str(m.get('best_val_acc'))[:100]!r}"


def predict(grading, evaluation: Path) -> tuple[dict, list[int], str]:
    """Run the prediction step on the withheld images under opaque names in a secret order (no labels)."""
    eval_dir = grading.grading_dir / EVAL_DIR  # whatever the agent left there goes first
    if eval_dir.is_dir() and not eval_dir.is_symlink():
        shutil.rmtree(eval_dir)
    elif eval_dir.exists() or eval_dir.is_symlink():
        eval_dir.unlink()
    (eval_dir / "images").mkdir(parents=True)
    grading.add_hidden("predict_classifier.py", f"{EVAL_DIR}/predict_classifier.py")
    order = list(range(len(json.loads((evaluation / "labels.json").read_text()))))
    random.SystemRandom().shuffle(order)
    salt = random.SystemRandom().getrandbits(64)
    names = [hashlib.sha256(f"{salt}-{i}".encode()).hexdigest()[:16] + ".JPEG" for i in order]
    for i, name in zip(order, names):
        shutil.copy(evaluation / f"{i:05d}.JPEG", eval_dir / "images" / name)
    (eval_dir / "list.txt").write_text("\n".join(names) + "\n")
    timeout = grading.threshold("predict_timeout_s")
    res = grading.run(["python", f"{EVAL_DIR}/predict_classifier.py", f"{EVAL_DIR}/images", f"{EVAL_DIR}/list.txt",
                       str(int(grading.threshold("default_size"))), str(int(grading.threshold("max_params")))],
                      timeout=timeout, report=True, memory_gb=memory.bound_gb(grading))
    rep = res.report if isinstance(res.report, dict) else {}
    rep["oom"] = res.oom  # the harness's reading of the kernel's OOM kill, whatever the process wrote
    preds = rep.get("predictions")
    why = (f"the prediction step went over its memory limit of {memory.bound_gb(grading) * 1024:.0f} MiB (set from the "
           "parameter cap, ended by the kernel)" if res.oom else
           f"the prediction step ran past {timeout:g} s" if res.timed_out else
           f"the prediction step wrote no report (exit {res.returncode}): {res.stderr[-800:]}" if not rep else
           f"the prediction step failed: {str(rep['error'])[:800]}" if rep.get("error") else
           f"{len(preds) if isinstance(preds, list) else 'no'} predictions for {len(order)} images"
           if not isinstance(preds, list) or len(preds) != len(order) else "")
    return rep, order, why


def test_full_train_workflow_performance_test(grading):
    evaluation, snap = derived(grading), grading.snapshot
    train, val = grading.path("dataset/train"), grading.path("dataset/val")
    grading.check("dataset/train and dataset/val are folders holding JPEGs",
                  all(d and d.is_dir() and any(d.rglob("*.JPEG")) for d in (train, val)), f"train: {train}, val: {val}")
    problem = csv_problem(grading, json.loads((evaluation / "split.json").read_text()))
    grading.check("noisy_labels_50.csv: path,label with the 50 %-noise labels (4 spot pairs, >= 99.9 % of train rows)",
                  not problem, problem)
    pts = sorted((snap / "checkpoints").glob("*.pt")) if grading.path("checkpoints") else []
    copy = grading.collect(*[p for p in pts if p.is_file() and p.stat().st_size <= 150 * 2**20], limit=21 * 150 * 2**20)
    for c in grading.reference("check_checkpoints.py", str(copy), json.dumps([p.name for p in pts]),
                               str(grading.threshold("max_params")), read=[copy])["checks"]:
        grading.check(c["name"], c["ok"], c["detail"])
    problem = metrics_problem(grading)
    grading.check("training_metrics.json: best_val_acc, a percentage in (1, 100]", not problem, problem)
    rep, order, why = predict(grading, evaluation / "eval")
    cap, params, census = grading.threshold("max_params"), rep.get("num_params"), rep.get("census")
    grading.check("prediction step: get_best_model() ran on the hidden images within the time limit and the memory limit set from the parameter cap", not why, why)
    grading.check(f"model parameters (all of them, reported by the prediction step) <= {cap:.0f}",
                  grading.integer(params) and params <= cap, f"num_params {params}")
    census = census if isinstance(census, list) and census and all(map(grading.finite, census)) else None
    factor = grading.threshold("census_factor")
    grading.check(f"live-tensor census (reported by the prediction step) <= {factor:g} x the parameter cap",
                  census is not None and max(census) <= factor * cap, f"census {rep.get('census')}")
    labels, acc = json.loads((evaluation / "eval" / "labels.json").read_text()), None
    if not why:
        acc = 100.0 * sum(int(p == labels[i]) for p, i in zip(rep["predictions"], order)) / len(labels)
    target = grading.threshold("accuracy")
    grading.check(f"clean top-1 accuracy on the withheld images >= {target:g} %", acc is not None and acc >= target,
                  why if acc is None else f"accuracy {acc:.2f} %", value=acc)
