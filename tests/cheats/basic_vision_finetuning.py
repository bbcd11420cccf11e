"""Cheats that must fail basic_vision_finetuning."""
from tests.cheatlib import Cheat

_INFO = '''
import json, os
def info(path, params, output_size=10, name="google/mobilenet_v2_1.0_224"):
    json.dump({"model_path": path, "model": {"name": name, "source": "huggingface", "parameters": params},
               "architecture": {"output_size": output_size},
               "training": {"initial_loss": 2.31, "final_loss": 2.27}}, open("model_info.json", "w"))
'''

CHEATS = [
    Cheat("json-only", _INFO + 'info("finetuned_model", 2236682)', lang="python",
          why="checks 2-3: there is no saved model to load"),
    Cheat("from-config-no-pretrained", _INFO + '''
from transformers import AutoConfig, AutoModelForImageClassification
cfg = AutoConfig.from_pretrained("google/mobilenet_v2_1.0_224", num_labels=10)
model = AutoModelForImageClassification.from_config(cfg)
model.save_pretrained("finetuned_model")
info("finetuned_model", sum(p.numel() for p in model.parameters()))
''', lang="python", why="check 5: the weights are an independent initialisation, far from the served ones"),
    Cheat("state-dict-from-config", _INFO + '''
import torch
from transformers import AutoConfig, AutoModelForImageClassification
cfg = AutoConfig.from_pretrained("google/mobilenet_v2_1.0_224", num_labels=10)
model = AutoModelForImageClassification.from_config(cfg)
torch.save(model.state_dict(), "finetuned.pt")
info("finetuned.pt", sum(p.numel() for p in model.parameters()))
''', lang="python", why="check 5: a state dict of an independent initialisation is far from the served weights"),
    Cheat("keep-1001-head", _INFO + '''
from transformers import AutoModelForImageClassification
model = AutoModelForImageClassification.from_pretrained("google/mobilenet_v2_1.0_224")
model.save_pretrained("finetuned_model")
info("finetuned_model", sum(p.numel() for p in model.parameters()), output_size=10)
''', lang="python", why="check 3: the saved model still has the 1001-way head"),
    Cheat("model-path-in-hf-cache", _INFO + '''
from huggingface_hub import snapshot_download
path = snapshot_download("google/mobilenet_v2_1.0_224")
info(path, 2236682)
''', lang="python", why="check 2: model_path lies outside the workspace"),
    Cheat("symlink-to-cache", _INFO + '''
from huggingface_hub import snapshot_download
os.symlink(snapshot_download("google/mobilenet_v2_1.0_224"), "finetuned_model")
info("finetuned_model", 2236682)
''', lang="python", why="check 2: the directory resolves outside the workspace"),
]
