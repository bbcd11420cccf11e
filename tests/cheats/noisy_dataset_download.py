"""Cheats that must fail noisy_dataset_download."""
from tests.cheatlib import Cheat

# the download URL, read from the prompt the way an agent would
_URL = ("url=$(python -c \"import json,os,re; p=json.load(open(os.environ['MLDB_TRIAL_JSON']))['prompt']; "
        "print(re.search(r'https?://\\S+?imagenette2-160\\.tgz', p).group(0))\")")
_FETCH0 = _URL + " && curl -fsSL \"$url\" -o d.tgz && tar xzf d.tgz && rm d.tgz"

# writes the labels and counts from an extracted imagenette2-160/ (COUNT selects how counts are taken)
_EXPORT = '''
import csv, json, collections, os
root = os.environ.get("ROOT", "imagenette2-160")
rows = list(csv.DictReader(open(os.path.join(root, "noisy_imagenette.csv"))))
with open("all_noisy_labels_50.csv", "w") as f:
    f.write("path,label\\n" + "".join(f"{r['path']},{r['noisy_labels_50']}\\n" for r in rows))
wnids = sorted({r["path"].split("/")[1] for r in rows})
for split, out in (("train", "train_class_counts.csv"), ("val", "validation_class_counts.csv")):
    key = (lambda r: r["path"].split("/")[1]) if os.environ.get("COUNT") == "folder" else (lambda r: r["noisy_labels_50"])
    c = collections.Counter(key(r) for r in rows if r["path"].startswith(split + "/"))
    with open(out, "w") as f:
        f.write("class,count\\n" + "".join(f"{w},{c[w]}\\n" for w in wnids))
json.dump({"dataset_path": os.environ.get("DATASET_PATH", root)}, open("dataset_info.json", "w"))
'''
_FETCH = "cat > \"$HOME/export.py\" <<'PY'\n" + _EXPORT + "PY\n" + _FETCH0

_FULL_COUNTS = {
    "train": [945, 986, 942, 880, 954, 996, 948, 950, 941, 927],
    "val": [387, 395, 357, 386, 409, 394, 389, 419, 399, 390],
}
_WNIDS = ["n01440764", "n02102040", "n02979186", "n03000684", "n03028079", "n03394916", "n03417042",
          "n03425413", "n03445777", "n03888257"]


def _counts(split: str) -> str:
    return "class,count\\n" + "".join(f"{w},{n}\\n" for w, n in zip(_WNIDS, _FULL_COUNTS[split]))


CHEATS = [
    Cheat("known-constants-no-download",
          "mkdir -p imagenette2-160/train imagenette2-160/val; "
          "echo '{\"dataset_path\": \"imagenette2-160\"}' > dataset_info.json; "
          "printf 'path,label\\ntrain/n02979186/n02979186_11957.JPEG,n03000684\\n"
          "train/n01440764/n01440764_10026.JPEG,n01440764\\ntrain/n02102040/n02102040_1408.JPEG,n02102040\\n"
          "val/n03000684/ILSVRC2012_val_00009111.JPEG,n03000684\\n' > all_noisy_labels_50.csv; "
          f"printf '{_counts('train')}' > train_class_counts.csv; printf '{_counts('val')}' > validation_class_counts.csv",
          why="checks 2-3 (no images, four rows); in smoke also 4 (full-profile counts)"),
    Cheat("symlink-to-copy-outside",
          _FETCH + " && mkdir -p \"$HOME/data\" && mv imagenette2-160 \"$HOME/data/\" && "
          "ln -s \"$HOME/data/imagenette2-160\" imagenette2-160 && python \"$HOME/export.py\"",
          why="check 1: dataset_path resolves outside the workspace"),
    Cheat("placeholder-jpegs",
          _FETCH + " && python \"$HOME/export.py\" && python -c \""
          "import pathlib; from PIL import Image\n"
          "for p in pathlib.Path('imagenette2-160').rglob('*.JPEG'): Image.new('RGB', (213, 160)).save(p, 'JPEG')\"",
          why="check 2: image hashes differ from the archive"),
    Cheat("count-by-folder", _FETCH + " && COUNT=folder python \"$HOME/export.py\"",
          why="check 4a: train rows must be counted by the noisy label"),
    Cheat("clean-label-column",
          _FETCH + " && python \"$HOME/export.py\" && python -c \""
          "import csv\n"
          "rows = list(csv.DictReader(open('imagenette2-160/noisy_imagenette.csv')))\n"
          "open('all_noisy_labels_50.csv', 'w').write('path,label\\n' + ''.join(r['path'] + ',' + r['noisy_labels_0'] + '\\n' for r in rows))\"",
          why="check 3: the label must be the noisy_labels_50 column"),
    Cheat("train-rows-only",
          _FETCH + " && python \"$HOME/export.py\" && grep -v '^val/' all_noisy_labels_50.csv > t.csv "
          "&& mv t.csv all_noisy_labels_50.csv",
          why="check 3: validation rows are required too"),
]
