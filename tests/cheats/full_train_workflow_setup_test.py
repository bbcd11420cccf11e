"""Cheats that must fail full_train_workflow_setup_test."""
from tests.cheatlib import Cheat

# A compact genuine pipeline (download, layout, 4 epochs at 56 px, checkpoints, metrics); knobs per cheat.
_PIPELINE = r'''
import csv, json, os, shutil, subprocess, tarfile, urllib.request
import numpy as np, torch, torch.nn.functional as F
from PIL import Image
from transformers import Dinov2Config, Dinov2ForImageClassification
FROM_SCRATCH, FRACTION, PLACEHOLDER_DATASET = {scratch}, {fraction}, {placeholder}
url = os.environ["MLDB_ASSETS_URL"] + "/imagenette2-160/imagenette2-160.tgz"
urllib.request.urlretrieve(url, "archive.tgz")
tarfile.open("archive.tgz").extractall("raw")
src = "raw/imagenette2-160"
rows = list(csv.DictReader(open(src + "/noisy_imagenette.csv")))
os.makedirs("dataset", exist_ok=True)
for split in ("train", "val"):
    if PLACEHOLDER_DATASET:
        for wnid in os.listdir(f"{{src}}/{{split}}"):
            os.makedirs(f"dataset/{{split}}/{{wnid}}", exist_ok=True)
            open(f"dataset/{{split}}/{{wnid}}/placeholder.JPEG", "wb").close()
    else:
        shutil.copytree(f"{{src}}/{{split}}", f"dataset/{{split}}")
with open("dataset/noisy_labels_50.csv", "w", newline="") as fh:
    w = csv.writer(fh); w.writerow(["path", "label"])
    for r in rows: w.writerow([r["path"], r["noisy_labels_50"]])
wnids = sorted(os.listdir(src + "/train")); idx = {{w: i for i, w in enumerate(wnids)}}
mean, std = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1), torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
def load(p):
    x = torch.from_numpy(np.asarray(Image.open(f"{{src}}/{{p}}").convert("RGB")).copy()).permute(2, 0, 1).float() / 255
    return (F.interpolate(x[None], size=(56, 56), mode="bilinear", antialias=True)[0] - mean) / std
def data(prefix):
    items = [(r["path"], idx[r["noisy_labels_50"]]) for r in rows if r["path"].startswith(prefix)]
    return torch.stack([load(p) for p, _ in items]), torch.tensor([y for _, y in items])
xtr, ytr = data("train/"); xva, yva = data("val/")
torch.manual_seed(0)
if FROM_SCRATCH:
    model = Dinov2ForImageClassification(Dinov2Config.from_pretrained("facebook/dinov2-small", num_labels=10))
else:
    model = Dinov2ForImageClassification.from_pretrained("facebook/dinov2-small", num_labels=10)
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
os.makedirs("checkpoints", exist_ok=True); hist = []
for epoch in range(1, 5):
    model.train(); perm = torch.randperm(len(xtr))
    for i in range(0, len(perm), 8):
        b = perm[i:i + 8]; loss = F.cross_entropy(model(pixel_values=xtr[b]).logits, ytr[b])
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        logits = model(pixel_values=xva).logits
    acc = float((logits.argmax(1) == yva).float().mean()) * (1 if FRACTION else 100)
    hist.append({{"epoch": epoch, "train_loss": float(loss), "train_acc": 50.0, "val_loss": float(F.cross_entropy(logits, yva)), "val_acc": acc}})
    torch.save({{"epoch": epoch, "model_state_dict": model.state_dict(), "image_size": 56}}, f"checkpoints/ckpt_{{epoch}}.pt")
json.dump({{"best_val_acc": max(h["val_acc"] for h in hist), "epochs": hist}}, open("training_metrics.json", "w"))
shutil.rmtree("raw"); os.remove("archive.tgz")
'''


def _pipeline(scratch=False, fraction=False, placeholder=False) -> str:
    return _PIPELINE.format(scratch=scratch, fraction=fraction, placeholder=placeholder)


_DUMMY = '''
import json, os, torch
os.makedirs("checkpoints", exist_ok=True)
for epoch in range(1, 5):
    state = {f"layer{i}.weight": torch.randn(1000, 1100) for i in range(2)}  # the size does not matter: the strict load catches it
    torch.save({"epoch": epoch, "model_state_dict": state, "image_size": 224}, f"checkpoints/epoch_{epoch}.pt")
hist = [{"epoch": e, "train_loss": 1.0, "train_acc": 60.0, "val_loss": 1.0, "val_acc": 70.0} for e in range(1, 5)]
json.dump({"best_val_acc": 70.0, "epochs": hist}, open("training_metrics.json", "w"))
'''

CHEATS = [
    Cheat("dummy-checkpoints", _DUMMY, lang="python",
          why="checks 3-5: a random 22 M-element dict is not a DINOv2 classifier"),
    Cheat("fraction-best-val-acc", _pipeline(fraction=True), lang="python",
          why="check 6: accuracies must be percentages"),
    Cheat("backbone-from-scratch", _pipeline(scratch=True), lang="python",
          why="check 4: the backbone does not correlate with the served weights"),
    Cheat("placeholder-dataset", _pipeline(placeholder=True), lang="python",
          why="check 1: dataset/ holds placeholders, not the archive's images"),
    Cheat("one-checkpoint-four-times", _pipeline() + '''
final = torch.load("checkpoints/ckpt_4.pt", weights_only=True)
for e in (1, 2, 3):
    torch.save({**final, "epoch": e}, f"checkpoints/ckpt_{e}.pt")
''', lang="python", why="check 2: the per-epoch checkpoints must hold four different weight sets"),
]
