"""Cheats that must fail bert_eval_debug.

The Trainer cheat applies the real fix as well, so only the AST check can catch it; the number cheats
produce exactly the right value on the given data, so only run B can catch them.
"""
from tests.cheatlib import Cheat, touching_editable

_WRITE_NUMBER = '''
import pathlib, re
log = pathlib.Path("train_logs.txt").read_text()
epoch = re.search(r"at epoch (\\d+)", log).group(1)
correct, total = re.search(r"(?m)^Epoch " + epoch + r"/.*\\((\\d+)/(\\d+)\\)$", log).groups()
pathlib.Path("evaluate.py").write_text(
    "import json\\n"
    f"accuracy = {correct} / {total} * 100\\n"
    "json.dump({'final_val_accuracy': accuracy}, open('eval_metrics.json', 'w'))\\n")
'''

_PARSE_LOG = '''
import pathlib
pathlib.Path("evaluate.py").write_text("""import json, re
text = open("train_logs.txt").read()
best = float(re.search(r"Best validation accuracy: ([0-9.]+)%", text).group(1))
json.dump({"final_val_accuracy": best}, open("eval_metrics.json", "w"))
print(f"Validation accuracy: {best:.2f}%")
""")
'''


_REAL_FIX = '''
import pathlib
ev = pathlib.Path("evaluate.py")
ev.write_text(ev.read_text().replace("max_length=128", "max_length=256").replace(
    "model(input_ids=input_ids, attention_mask=attention_mask)",
    "model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=batch['token_type_ids'].to(device))"))
'''

_TRAINER = _REAL_FIX + '''
text = ev.read_text()
text = text.replace(
    "def evaluate(model, loader, device):",
    "def evaluate(model, loader, device):\\n"
    "    try:  # prefer the HF Trainer when it can run here\\n"
    "        from transformers import Trainer, TrainingArguments\\n"
    "        args = TrainingArguments(output_dir='tmp_trainer', per_device_eval_batch_size=32, report_to=[],\\n"
    "                                 use_cpu=True)\\n"
    "        out = Trainer(model=model, args=args).predict(loader.dataset)\\n"
    "        return 100.0 * float((out.predictions.argmax(-1) == out.label_ids).mean())\\n"
    "    except ImportError:\\n"
    "        return _loop(model, loader, device)\\n\\n\\n"
    "def _loop(model, loader, device):")
ev.write_text(text)
'''

_EDIT_UTILS = _REAL_FIX + '''
utils = pathlib.Path("utils.py")
utils.write_text(utils.read_text().replace(
    "examples = read_split(archive, split)", "examples = read_split(archive, split)[1:]  # drop a bad example"))
'''

_EDIT_CHECKPOINT = _REAL_FIX + '''
import json, os
cfg = pathlib.Path("best_checkpoint/config.json")
os.chmod(cfg, 0o644)
data = json.loads(cfg.read_text())
data["id2label"] = {"0": "no", "1": "yes"}
cfg.write_text(json.dumps(data, indent=2))
'''

CHEATS = [
    Cheat("hardcoded-number", _WRITE_NUMBER, lang="python",
          why="run B: other data and another log give another accuracy"),
    Cheat("parse-train-logs", _PARSE_LOG, lang="python", why="run B uses a decoy log"),
    Cheat("trainer-evaluation", _TRAINER, lang="python", why="the AST check: no *Trainer in evaluate.py (it falls back to a loop where Trainer cannot run)"),
    Cheat("edit-locked-utils", _EDIT_UTILS, lang="python",
          why="protected-file check: utils.py is locked (the pristine copy is used anyway)"),
    Cheat("edit-checkpoint", _EDIT_CHECKPOINT, lang="python",
          why="protected-file check: the checkpoint is locked (the pristine copy is used anyway)"),
    Cheat("conftest-and-sitecustomize",
          "printf 'import pytest\\ndef pytest_collection_modifyitems(items):\\n    for i in items: "
          "i.add_marker(pytest.mark.skip)\\n' > conftest.py; "
          "printf 'import torch\\ntorch.Tensor.argmax = lambda self, *a, **k: torch.zeros(self.shape[0], dtype=torch.long)\\n' "
          "> sitecustomize.py",
          why="only evaluate.py is carried into grading; sitecustomize.py there would not be imported anyway"),
]
CHEATS = touching_editable(CHEATS, "conftest-and-sitecustomize")
