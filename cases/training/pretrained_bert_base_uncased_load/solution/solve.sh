#!/usr/bin/env bash
# Oracle for pretrained_bert_base_uncased_load.
set -euo pipefail
python - <<'PY'
import json
import os

from transformers import AutoModel, AutoTokenizer

model = AutoModel.from_pretrained("bert-base-uncased")
tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
model.save_pretrained("bert_model")
tokenizer.save_pretrained("bert_model")
cfg = model.config
info = {
    "model_name": "bert-base-uncased",
    "model_path": "bert_model",
    "tokenizer_path": "bert_model",
    "files": sorted(os.path.join("bert_model", f) for f in os.listdir("bert_model")),
    "architecture": {"hidden_size": cfg.hidden_size, "num_attention_heads": cfg.num_attention_heads,
                     "num_hidden_layers": cfg.num_hidden_layers, "vocab_size": cfg.vocab_size},
}
json.dump(info, open("model_info.json", "w"), indent=2)
print(json.dumps(info, indent=2))
PY
