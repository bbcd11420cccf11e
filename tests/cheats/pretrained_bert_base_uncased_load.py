"""Cheats that must fail pretrained_bert_base_uncased_load."""
from tests.cheatlib import Cheat

_FULL = {"hidden_size": 768, "num_attention_heads": 12, "num_hidden_layers": 12, "vocab_size": 30522}

# ARCH: "served" takes the numbers from the downloaded config, "full" writes the full-profile constants
_SAVE = '''
import json, os
from transformers import AutoConfig, AutoModel, AutoTokenizer, BertModel
MODE, ARCH, PATH = "{mode}", "{arch}", "{path}"
tok = AutoTokenizer.from_pretrained("bert-base-uncased")
if MODE == "random":
    model = BertModel(AutoConfig.from_pretrained("bert-base-uncased"))
else:
    model = AutoModel.from_pretrained("bert-base-uncased")
if MODE == "fp16":
    model = model.half()
model.save_pretrained("bert_model")
tok.save_pretrained("bert_model")
path = "bert_model"
if PATH == "hf-cache":
    from huggingface_hub import snapshot_download
    path = snapshot_download("bert-base-uncased")
cfg = model.config
arch = {full} if ARCH == "full" else {{k: getattr(cfg, k) for k in {full}}}
json.dump({{"model_name": "bert-base-uncased", "model_path": path, "architecture": arch}},
          open("model_info.json", "w"))
'''


def _save(mode="honest", arch="served", path="workspace"):
    return _SAVE.format(mode=mode, arch=arch, path=path, full=_FULL)


CHEATS = [
    Cheat("dummy-files-with-constants",
          "mkdir -p bert_model && : > bert_model/tokenizer.json && : > bert_model/model.bin && "
          "echo '{\"model_name\": \"bert-base-uncased\", \"model_path\": \"bert_model\", \"files\": "
          "[\"bert_model/tokenizer.json\", \"bert_model/model.bin\"], \"architecture\": {\"hidden_size\": 768, "
          "\"num_attention_heads\": 12, \"num_hidden_layers\": 12, \"vocab_size\": 30522}}' > model_info.json",
          why="checks 4-5: nothing loads (in smoke also check 2)"),
    Cheat("random-weights", _save(mode="random"), lang="python",
          why="check 4: randomly initialised weights differ from the served ones"),
    Cheat("full-profile-numbers", _save(arch="full"), lang="python",
          why="check 2: in smoke the served config is the tiny one"),
    Cheat("path-into-hf-cache", _save(path="hf-cache"), lang="python",
          why="check 3: model_path must be a folder inside the workspace"),
    Cheat("half-precision", _save(mode="fp16"), lang="python",
          why="check 4: weights must be saved unchanged (float32)"),
]
