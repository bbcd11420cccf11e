"""Validator for full_train_workflow_performance_test (noisy Imagenette): accuracy recomputed on withheld images.

The served archive is derived from the profile's source archive (smoke: the generated `imagenette2-160-p2`;
full: the real `imagenette2-160`): a seeded part of every val class is withheld (with its CSV rows) as the
hidden evaluation set, the rest is served at `{assets_url}/imagenette2-160-p2/imagenette2-160.tgz`. The
derivation is deterministic and cached next to the source in the grader's asset cache. The prediction step
runs the agent's utils.get_best_model() in the sandbox on the withheld images only; the grader scores.
"""
import csv
import gzip
import hashlib
import io
import json
import math
import random
import shutil
import tarfile
from pathlib import Path

from pytest_mldevbench.errors import GradingError
from pytest_mldevbench.refcache import built_once

SOURCE = {"smoke": "imagenette2-160-p2", "full": "imagenette2-160"}
SERVED = "imagenette2-160-p2"          # the served copy's name: {assets_url}/<SERVED>/imagenette2-160.tgz
ARCHIVE = "imagenette2-160.tgz"
TOP = "imagenette2-160"
WITHHOLD = {"smoke": (2, 3), "full": (1, 2)}   # fraction of each val class withheld (num, den), rounded down
DERIVED_VERSION = "perf-p2-v1"
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
    """From a real-layout archive: served/imagenette2-160.tgz (minus the withheld val images and their CSV rows),
    eval/<index>.JPEG + eval/labels.json (withheld images, clean labels), split.json (spot pairs, counts)."""
    files = {}
    with tarfile.open(source, "r:gz") as tar:
        for m in tar:
            if m.isfile():
                files[m.name] = tar.extractfile(m).read()
    csv_name = f"{TOP}/noisy_imagenette.csv"
    rows = list(csv.DictReader(io.StringIO(files[csv_name].decode("utf-8"))))
    header = list(csv.DictReader(io.StringIO(files[csv_name].decode("utf-8"))).fieldnames)
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
    served = {n: b for n, b in files.items() if n not in gone and n != csv_name}
    text = io.StringIO()
    w = csv.DictWriter(text, fieldnames=header, lineterminator="\n")
    w.writeheader()
    rel_gone = {n[len(TOP) + 1:] for n in gone}
    kept_rows = [r for r in rows if r["path"] not in rel_gone]
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
    train_rows = sorted((r["path"], r["noisy_labels_50"]) for r in rows if r["path"].startswith("train/"))
    spots = random.Random(4).sample(train_rows, 4)
    (out / "split.json").write_text(json.dumps({
        "spot_pairs": spots, "num_withheld": len(withheld), "num_served_val": sum(map(len, val.values())) - len(gone),
        "num_train": len(train_rows), "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest()}, indent=1))


def derived(trial) -> Path:
    """The cached derivation for this profile's source (built once per machine under a file lock)."""
    source_dir = trial.asset_reference(SOURCE[trial.profile])
    return built_once(source_dir.parent / f"derived-{DERIVED_VERSION}",
                      lambda out: derive(source_dir / ARCHIVE, out, WITHHOLD[trial.profile]))


def prepare_workspace(trial):
    """Serve the derived archive (no withheld image in it) at {assets_url}/imagenette2-160-p2/."""
    trial.services.assets().serve_directory(SERVED, derived(trial) / "served")
    return None


# ---- grading --------------------------------------------------------------------------------------------
def inside(root: Path, rel: str):
    path = root / rel
    try:
        return path if path.exists() and path.resolve().is_relative_to(root.resolve()) else None
    except (OSError, RuntimeError):
        return None


def check_dataset(trial, work) -> None:
    train, val = inside(work, "dataset/train"), inside(work, "dataset/val")
    missing = [w for w in WNIDS if train is None or not any((train / w).glob("*.JPEG"))] if train else WNIDS
    trial.check("dataset/train and dataset/val exist; every class has training JPEGs",
                train is not None and train.is_dir() and val is not None and val.is_dir() and not missing,
                f"train: {train}, val: {val}, classes without images: {missing}")


def _norm(path: str) -> str:
    path = path.strip().replace("\\", "/")
    for prefix in ("./", "dataset/", f"{TOP}/"):
        if path.startswith(prefix):
            path = path[len(prefix):]
    return path


def check_csv(trial, work, split) -> None:
    path = inside(work, "dataset/noisy_labels_50.csv")
    rows, why = {}, ""
    try:
        if path is None or path.stat().st_size > 50_000_000:
            raise OSError("missing or too large")
        reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
        if not reader.fieldnames or reader.fieldnames[:2] != ["path", "label"]:
            raise ValueError(f"columns {reader.fieldnames}, expected path,label")
        rows = {_norm(r["path"]): (r["label"] or "").strip() for r in reader}
    except (OSError, ValueError, UnicodeDecodeError, csv.Error) as exc:
        why = f"dataset/noisy_labels_50.csv: {exc}"
    served = derived(trial) / "served" / ARCHIVE
    with tarfile.open(served, "r:gz") as tar:
        text = tar.extractfile(f"{TOP}/noisy_imagenette.csv").read().decode("utf-8")
    truth = {r["path"]: r["noisy_labels_50"] for r in csv.DictReader(io.StringIO(text)) if r["path"].startswith("train/")}
    spots_ok = bool(rows) and all(rows.get(p) == lab for p, lab in split["spot_pairs"])
    same = sum(rows.get(p) == lab for p, lab in truth.items())
    frac = same / len(truth) if truth else 0.0
    trial.check("noisy_labels_50.csv: path,label with the 50 %-noise labels (4 spot pairs, >= 99.9 % of train rows)",
                not why and spots_ok and frac >= 0.999,
                why or f"spot pairs ok: {spots_ok}; {same}/{len(truth)} train rows carry the 50 % label")


def check_checkpoints(trial, work) -> None:
    try:
        res = trial.run_hidden_python("check_checkpoints.py", "checkpoints", timeout=trial.threshold("predict_timeout_s"))
        files = res["files"]
    except GradingError as exc:
        files, why = [], str(exc)
    else:
        why = "; ".join(f"{f['name']}: {f['why']}" for f in files if not f["ok"]) or "no checkpoints/*.pt"
    cap = trial.threshold("max_params")
    bad = [f for f in files if not f["ok"] or f["numel"] > cap or not 0 <= f["epoch"] <= 20]
    trial.check("checkpoints/*.pt: >= 1, each <= 150 MB, weights_only, <= 30 M values, epoch <= 20",
                files and not bad, why if not files or any(not f["ok"] for f in bad) else
                "; ".join(f"{f['name']}: numel {f['numel']}, epoch {f['epoch']}" for f in bad))


def check_metrics(trial, work) -> None:
    path = inside(work, "training_metrics.json")
    try:
        m = json.loads(path.read_text(encoding="utf-8")) if path and path.stat().st_size < 5_000_000 else None
    except (OSError, ValueError):
        m = None
    ok, why = False, "training_metrics.json is missing or not JSON"
    if isinstance(m, dict):
        hist, ep, best = m.get("history"), m.get("epochs_trained"), m.get("best_val_acc")
        num = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)  # noqa: E731
        ok = (isinstance(ep, int) and not isinstance(ep, bool) and 0 < ep <= 20 and isinstance(hist, list)
              and 0 < len(hist) <= 20 and all(isinstance(h, dict) and {"epoch", "train_loss", "val_acc"} <= set(h)
                                               for h in hist) and num(best) and 1 < best <= 100)
        why = f"epochs_trained {ep!r}, {len(hist) if isinstance(hist, list) else hist!r} history rows, best_val_acc {best!r}"
    trial.check("training_metrics.json: epochs_trained <= 20, history <= 20 rows, 1 < best_val_acc <= 100", ok, why)


def predict(trial, work, evaluation: Path) -> tuple[dict | None, str]:
    eval_dir = work / EVAL_DIR
    if eval_dir.is_symlink() or eval_dir.is_file():
        eval_dir.unlink()
    elif eval_dir.exists():
        shutil.rmtree(eval_dir)
    (eval_dir / "images").mkdir(parents=True)
    n = len(json.loads((evaluation / "labels.json").read_text()))
    order = list(range(n))
    random.Random(f"{trial.result.trial_id}-order").shuffle(order)
    salt = random.Random().getrandbits(64)
    names = []
    for i in order:
        name = hashlib.sha256(f"{salt}-{i}".encode()).hexdigest()[:16] + ".JPEG"
        shutil.copy(evaluation / f"{i:05d}.JPEG", eval_dir / "images" / name)
        names.append(name)
    (eval_dir / "list.txt").write_text("\n".join(names) + "\n")
    script = trial.hidden_dir / "predict_classifier.py"
    res = trial.run_script(["python", str(script), f"{EVAL_DIR}/images", f"{EVAL_DIR}/list.txt",
                            str(int(trial.threshold("default_size"))), str(int(trial.threshold("max_params")))],
                           timeout=trial.threshold("predict_timeout_s"), report=True, gpu=trial.resources.gpus > 0,
                           extra_ro=[trial.hidden_dir])
    rep = res.report if isinstance(res.report, dict) else None
    if res.timed_out:
        return rep, f"the prediction step ran past {trial.threshold('predict_timeout_s'):g} s"
    if rep is None:
        return None, f"the prediction step wrote no report (exit {res.returncode}): {res.stderr[-800:]}"
    if rep.get("error"):
        return rep, f"the prediction step failed: {rep['error']}"
    preds = rep.get("predictions")
    if not isinstance(preds, list) or len(preds) != n:
        return rep, f"{len(preds) if isinstance(preds, list) else 'no'} predictions for {n} images"
    rep["order"] = order
    return rep, ""



def test_full_train_workflow_performance_test(trial):
    work = trial.grading_dir
    evaluation = derived(trial)
    split = json.loads((evaluation / "split.json").read_text())
    check_dataset(trial, work)
    check_csv(trial, work, split)
    check_checkpoints(trial, work)
    check_metrics(trial, work)

    rep, why = predict(trial, work, evaluation / "eval")
    cap = trial.threshold("max_params")
    params = (rep or {}).get("num_params")
    census = (rep or {}).get("census") or []
    trial.check("prediction step: get_best_model() ran on the hidden images within the time limit", not why, why)
    trial.check(f"model parameters (all of them) <= {cap:.0f}", isinstance(params, int) and params <= cap,
                f"num_params {params}")
    trial.check("live-tensor census <= 1.25 x the parameter cap", bool(census) and max(census) <= 1.25 * cap,
                f"census {census}")
    acc = None
    if not why:
        labels = json.loads((evaluation / "eval" / "labels.json").read_text())
        acc = 100.0 * sum(int(p == labels[i]) for p, i in zip(rep["predictions"], rep["order"])) / len(labels)
    target = trial.threshold("accuracy")
    trial.check(f"clean top-1 accuracy on the withheld images >= {target:g} %", acc is not None and acc >= target,
                why if acc is None else f"accuracy {acc:.2f} %", value=acc)
