"""Oracle patch for bert_eval_debug: pass token_type_ids to the model.

Anchored edits of evaluate.py; exits non-zero if an anchor is missing.
"""
import re
import sys
from pathlib import Path

path = Path(sys.argv[1])
text = path.read_text()

call = re.search(r"model\(input_ids=input_ids, attention_mask=attention_mask\)", text)
fetch = re.search(r"(?m)^(\s*)attention_mask = batch\[\"attention_mask\"\]\.to\(device\)\n", text)
if call is None or fetch is None:
    sys.exit("fix.py: model call or attention_mask line not found in evaluate.py")
text = text.replace(call.group(0),
                    "model(input_ids=input_ids, token_type_ids=token_type_ids, attention_mask=attention_mask)")
text = text.replace(fetch.group(0),
                    fetch.group(0) + f'{fetch.group(1)}token_type_ids = batch["token_type_ids"].to(device)\n')

path.write_text(text)
print(f"patched {path}")
