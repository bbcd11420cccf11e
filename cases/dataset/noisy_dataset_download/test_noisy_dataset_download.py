"""Validator for noisy_dataset_download: extracted dataset, full noisy-label export and noisy-label counts.

Every expected value (file listing, image hashes, the path -> noisy_labels_50 mapping, per-class counts) is
derived from the reference copy of the served archive, so one validator serves both profiles.
"""
import csv
import hashlib
import io
import json
import os
import random
import tarfile
from pathlib import Path

ASSET = "imagenette2-160"
ARCHIVE = "imagenette2-160.tgz"
TOP = "imagenette2-160/"
CSV_NAME = "noisy_imagenette.csv"
SPLITS = {"train": "train", "val": "val"}  # folder -> rows counted in <name>_class_counts.csv
COUNT_FILES = {"train": "train_class_counts.csv", "val": "validation_class_counts.csv"}
SAMPLE_SEED = 2024
SAMPLE_PER_CLASS = 3
MAX_CSV_BYTES = 20_000_000


def reference(trial) -> dict:
    """listing[split][wnid] = {name: sha256}; mapping = {path: label50}; counts[split][wnid] = int."""
    listing = {s: {} for s in SPLITS}
    mapping, rows = {}, []
    with tarfile.open(trial.asset_reference(ASSET) / ARCHIVE, "r:gz") as tar:
        for member in tar:
            if not member.isfile() or not member.name.startswith(TOP):
                continue
            rel = member.name[len(TOP):]
            data = tar.extractfile(member).read()
            if rel == CSV_NAME:
                rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
                continue
            parts = rel.split("/")
            if len(parts) == 3 and parts[0] in SPLITS and parts[2].endswith(".JPEG"):
                listing[parts[0]].setdefault(parts[1], {})[parts[2]] = hashlib.sha256(data).hexdigest()
    wnids = sorted(set(listing["train"]) | set(listing["val"]))
    counts = {s: {w: 0 for w in wnids} for s in SPLITS}
    for row in rows:
        mapping[row["path"]] = row["noisy_labels_50"]
        split = row["path"].split("/")[0]
        counts[split][row["noisy_labels_50"]] += 1
    return {"listing": listing, "mapping": mapping, "counts": counts, "wnids": wnids}


def inside(trial, raw) -> Path | None:
    """Map a path the agent wrote (relative to the workspace, or absolute under it) into the snapshot and
    resolve it; None when it is not a usable string or resolves outside the snapshot (symlinks included)."""
    if not isinstance(raw, str) or not raw.strip() or "\0" in raw:
        return None
    snap = Path(os.path.realpath(trial.snapshot))
    roots = {Path(str(trial.workspace)), Path(os.path.realpath(trial.workspace))}
    path = Path(raw.strip())
    if path.is_absolute() and not path.is_relative_to(snap):
        rel = next((path.relative_to(r) for r in roots if path.is_relative_to(r)), None)
        if rel is None:
            return None
        path = snap / rel
    else:
        path = snap / path
    for _ in range(20):
        real = Path(os.path.realpath(path))
        if real == snap or real.is_relative_to(snap):
            return real
        rel = next((real.relative_to(r) for r in roots if real.is_relative_to(r)), None)
        if rel is None:
            return None
        path = snap / rel  # an absolute link into the original workspace: follow it in the snapshot
    return None


def read_csv(path: Path) -> tuple[list[dict] | None, str]:
    if not path.is_file() or path.is_symlink():
        return None, f"{path.name} missing (or not a regular file)"
    if path.stat().st_size > MAX_CSV_BYTES:
        return None, f"{path.name} is too large"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"cannot read {path.name}: {exc}"
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip() for f in reader.fieldnames or []]
    reader.fieldnames = fields
    return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader], ""


def dataset_listing(trial, root: Path, split: str) -> dict:
    """{wnid: {names of *.JPEG regular files that resolve inside the snapshot}} under root/split."""
    found = {}
    base = inside(trial, str(root / split))
    if base is None or not base.is_dir():
        return found
    for cls in sorted(os.listdir(base)):
        cdir = inside(trial, str(base / cls))
        if cdir is None or not cdir.is_dir():
            continue
        names = set()
        for name in os.listdir(cdir):
            if name.endswith(".JPEG"):
                f = inside(trial, str(cdir / name))
                if f is not None and f.is_file():
                    names.add(name)
        found[cls] = names
    return found


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_counts(trial, name, path, expected: dict) -> None:
    rows, err = read_csv(path)
    problems = [err] if err else []
    if rows is not None:
        got = {}
        for row in rows:
            cls, count = row.get("class", ""), row.get("count", "")
            try:
                value = float(count)
                if not value.is_integer():
                    raise ValueError
            except ValueError:
                problems.append(f"count {count!r} of {cls!r} is not an integer")
                continue
            if cls in got:
                problems.append(f"{cls} appears twice")
            got[cls] = int(value)
        if set(got) != set(expected):
            problems.append(f"classes {sorted(set(got) ^ set(expected))} missing or unexpected")
        wrong = {c: (got[c], expected[c]) for c in expected if c in got and got[c] != expected[c]}
        if wrong:
            problems.append("wrong counts (got, expected): " + ", ".join(f"{c} {g}/{e}" for c, (g, e) in wrong.items()))
    trial.check(name, not problems, "; ".join(problems))


def test_noisy_dataset_download(trial):
    ref = reference(trial)
    snap = trial.snapshot

    # 1. dataset_info.json points at the extracted root, a real folder inside the workspace
    root, detail = None, ""
    try:
        info = json.loads((snap / "dataset_info.json").read_text(encoding="utf-8"))
        raw = info.get("dataset_path") if isinstance(info, dict) else None
        root = inside(trial, raw)
        if root is None or not root.is_dir():
            detail, root = f"dataset_path {raw!r} is not a folder inside the workspace", None
        elif not (root / "train").is_dir() or not (root / "val").is_dir():
            detail, root = f"dataset_path {raw!r} has no train/ and val/", None
    except (OSError, ValueError) as exc:
        detail = f"dataset_info.json unreadable: {exc}"
    trial.check("1. dataset_info.json names the extracted dataset folder inside the workspace", root is not None, detail)

    # 2. exact file listing, byte-identical images, a decodable seeded sample with shorter side 160
    problems, sample = [], []
    if root is None:
        problems.append("no dataset folder")
    else:
        rng = random.Random(SAMPLE_SEED)
        for split in SPLITS:
            got = dataset_listing(trial, root, split)
            for wnid in ref["wnids"]:
                want = set(ref["listing"][split].get(wnid, {}))
                have = got.get(wnid, set())
                if want != have:
                    problems.append(f"{split}/{wnid}: {len(want - have)} missing, {len(have - want)} extra files")
                    continue
                bad = [n for n in sorted(want) if sha256(inside(trial, str(root / split / wnid / n)))
                       != ref["listing"][split][wnid][n]]
                if bad:
                    problems.append(f"{split}/{wnid}: {len(bad)} images differ from the archive (e.g. {bad[0]})")
                sample += [inside(trial, str(root / split / wnid / n))
                           for n in rng.sample(sorted(want), min(SAMPLE_PER_CLASS, len(want)))]
            extra = sorted(set(got) - set(ref["wnids"]))
            if extra:
                problems.append(f"{split}: unexpected class folders {extra[:5]}")
    if not problems and sample:
        rels = [str(p.relative_to(Path(os.path.realpath(snap)))) for p in sample]
        decoded = trial.run_hidden_python("decode_sample.py", *rels, timeout=trial.threshold("decode_timeout_s"))
        for rel in rels:
            d = decoded.get(rel) or {}
            if not d.get("ok"):
                problems.append(f"{rel} does not decode: {d.get('error')}")
            elif min(d["size"]) != 160:
                problems.append(f"{rel} has size {d['size']} (shorter side must be 160)")
    trial.check("2. every image of the archive is there, unchanged, nothing extra", not problems,
                "; ".join(problems[:8]))

    # 3. all_noisy_labels_50.csv equals the bundled path -> noisy_labels_50 mapping
    rows, err = read_csv(snap / "all_noisy_labels_50.csv")
    problems = [err] if err else []
    if rows is not None:
        if rows and not {"path", "label"} <= set(rows[0]):
            problems.append(f"columns {sorted(rows[0])} lack path,label")
        else:
            pairs = [(r.get("path", ""), r.get("label", "")) for r in rows]
            if len(set(pairs)) != len(pairs):
                problems.append(f"{len(pairs) - len(set(pairs))} duplicate rows")
            want = set(ref["mapping"].items())
            got = set(pairs)
            if got != want:
                problems.append(f"{len(want - got)} expected rows missing or wrong, {len(got - want)} unexpected "
                                f"(e.g. {sorted(got - want)[:2]}); expected {len(want)} rows")
    trial.check("3. all_noisy_labels_50.csv holds every row with its noisy_labels_50 label", not problems,
                "; ".join(problems))

    # 4. per-class counts of the 50 %-noise label, per split
    check_counts(trial, "4a. train_class_counts.csv counts train rows by noisy_labels_50",
                 snap / COUNT_FILES["train"], ref["counts"]["train"])
    check_counts(trial, "4b. validation_class_counts.csv counts val rows by noisy_labels_50",
                 snap / COUNT_FILES["val"], ref["counts"]["val"])
