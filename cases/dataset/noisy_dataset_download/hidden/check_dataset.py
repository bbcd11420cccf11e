"""Judge (trusted, `grading.reference`): checks 2-4 of noisy_dataset_download, recomputed from the served archive.

Usage: check_dataset.py ARCHIVE COLLECTED
ARCHIVE is the grader's copy of the served imagenette2-160.tgz; COLLECTED holds bounded copies (regular files
only) of the agent's train/ and val/ folders and of its three CSV files. Every expected value (file listing,
image hashes, the path -> noisy_labels_50 mapping, per-class counts) comes from the archive. Images are decoded
only once they are byte-identical to the archive's. Prints {"checks": [...]} as the last line.
"""
import csv
import hashlib
import io
import json
import os
import random
import sys
import tarfile

from mldb_judge import Checks
from PIL import Image

TOP, CSV_NAME, SPLITS = "imagenette2-160/", "noisy_imagenette.csv", ("train", "val")
SAMPLE_SEED, SAMPLE_PER_CLASS, MAX_CSV_BYTES = 2024, 3, 20_000_000


def reference(archive):
    """listing[split][wnid] = {name: sha256}; mapping = {path: label50}; counts[split][wnid] = int."""
    listing, rows = {s: {} for s in SPLITS}, []
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if not member.isfile() or not member.name.startswith(TOP):
                continue
            rel, data = member.name[len(TOP):], tar.extractfile(member).read()
            parts = rel.split("/")
            if rel == CSV_NAME:
                rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
            elif len(parts) == 3 and parts[0] in SPLITS and parts[2].endswith(".JPEG"):
                listing[parts[0]].setdefault(parts[1], {})[parts[2]] = hashlib.sha256(data).hexdigest()
    wnids = sorted(set(listing["train"]) | set(listing["val"]))
    counts = {s: {w: 0 for w in wnids} for s in SPLITS}
    for row in rows:
        counts[row["path"].split("/")[0]][row["noisy_labels_50"]] += 1
    return listing, {r["path"]: r["noisy_labels_50"] for r in rows}, counts, wnids


def read_csv(path):
    """Rows (stripped keys and values) of a UTF-8 CSV; raises AssertionError with the reason otherwise."""
    assert os.path.isfile(path), f"{os.path.basename(path)} missing (or not a regular file)"
    assert os.path.getsize(path) <= MAX_CSV_BYTES, f"{os.path.basename(path)} is too large"
    with open(path, encoding="utf-8-sig") as f:
        reader = csv.DictReader(io.StringIO(f.read()))
    reader.fieldnames = [name.strip() for name in reader.fieldnames or []]
    return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def listing_problems(root, listing, wnids):
    """Problems with the extracted images, and the seeded sample of files to decode."""
    problems, sample, rng = [], [], random.Random(SAMPLE_SEED)
    for split in SPLITS:
        base = os.path.join(root, split)
        got = {c: {n for n in os.listdir(os.path.join(base, c)) if n.endswith(".JPEG")}
               for c in (sorted(os.listdir(base)) if os.path.isdir(base) else [])
               if os.path.isdir(os.path.join(base, c))}
        for wnid in wnids:
            want, have = set(listing[split].get(wnid, {})), got.get(wnid, set())
            if want != have:
                problems.append(f"{split}/{wnid}: {len(want - have)} missing, {len(have - want)} extra files")
                continue
            bad = [n for n in sorted(want) if sha256(os.path.join(base, wnid, n)) != listing[split][wnid][n]]
            if bad:
                problems.append(f"{split}/{wnid}: {len(bad)} images differ from the archive (e.g. {bad[0]})")
            sample += [os.path.join(base, wnid, n) for n in rng.sample(sorted(want), min(SAMPLE_PER_CLASS, len(want)))]
        extra = sorted(set(got) - set(wnids))
        if extra:
            problems.append(f"{split}: unexpected class folders {extra[:5]}")
    return problems, sample


def count_problems(path, expected):
    got, problems = {}, []
    for row in read_csv(path):
        cls, count = row.get("class", ""), row.get("count", "")
        try:
            value = float(count)
        except ValueError:
            value = 0.5
        if not value.is_integer():
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
    return problems


def main(archive, root):
    listing, mapping, counts, wnids = reference(archive)
    checks = Checks()
    with checks.check("2. every image of the archive is there, unchanged, nothing extra"):
        problems, sample = listing_problems(root, listing, wnids)
        for path in sample if not problems else []:
            with Image.open(path) as img:
                img.load()
                if min(img.size) != 160:
                    problems.append(f"{os.path.relpath(path, root)} has size {img.size} (shorter side must be 160)")
        assert not problems, "; ".join(problems[:8])
    with checks.check("3. all_noisy_labels_50.csv holds every row with its noisy_labels_50 label"):
        rows = read_csv(os.path.join(root, "all_noisy_labels_50.csv"))
        assert not rows or {"path", "label"} <= set(rows[0]), f"columns {sorted(rows[0])} lack path,label"
        pairs = [(r.get("path", ""), r.get("label", "")) for r in rows]
        got, want = set(pairs), set(mapping.items())
        assert len(got) == len(pairs), f"{len(pairs) - len(got)} duplicate rows"
        assert got == want, (f"{len(want - got)} expected rows missing or wrong, {len(got - want)} unexpected "
                             f"(e.g. {sorted(got - want)[:2]}); expected {len(want)} rows")
    for name, split, file in (
            ("4a. train_class_counts.csv counts train rows by noisy_labels_50", "train", "train_class_counts.csv"),
            ("4b. validation_class_counts.csv counts val rows by noisy_labels_50", "val", "validation_class_counts.csv")):
        with checks.check(name):
            problems = count_problems(os.path.join(root, file), counts[split])
            assert not problems, "; ".join(problems)
    print(json.dumps({"checks": checks.results}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
