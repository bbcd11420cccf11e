"""Oracle step 1: download the archive, extract it into dataset/, write dataset/noisy_labels_50.csv."""
import csv
import io
import os
import shutil
import tarfile
import urllib.request
from pathlib import Path

URL = os.environ["MLDB_ASSETS_URL"].rstrip("/") + "/imagenette2-160-p2/imagenette2-160.tgz"


def main():
    with urllib.request.urlopen(URL, timeout=600) as r:
        data = r.read()
    shutil.rmtree("dataset", ignore_errors=True)
    Path("dataset").mkdir()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for m in tar.getmembers():
            parts = Path(m.name).parts
            if not m.isfile() or len(parts) < 2 or ".." in parts:
                continue
            target = Path("dataset", *parts[1:])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(tar.extractfile(m).read())
    with open("dataset/noisy_imagenette.csv") as f, open("dataset/noisy_labels_50.csv", "w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["path", "label"])
        for row in csv.DictReader(f):
            w.writerow([row["path"], row["noisy_labels_50"]])
    print("train images:", sum(1 for _ in Path("dataset/train").rglob("*.JPEG")),
          "val images:", sum(1 for _ in Path("dataset/val").rglob("*.JPEG")))


if __name__ == "__main__":
    main()
