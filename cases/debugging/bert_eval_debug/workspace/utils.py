"""BoolQ data utilities shared by fine-tuning (train.py) and evaluation (evaluate.py).

The SuperGLUE BoolQ archive is read from $BOOLQ_ZIP_URL, which may be a URL or a local file path
(default: the official SuperGLUE download). Each example is a (question, passage) pair with a yes/no
label; pairs are tokenised together, so the tokenizer marks question tokens as segment 0 and passage
tokens as segment 1 (`token_type_ids`).
"""
import io
import json
import os
import urllib.request
import zipfile

import torch
from torch.utils.data import Dataset

DEFAULT_BOOLQ_ZIP_URL = "https://dl.fbaipublicfiles.com/glue/superglue/data/v2/BoolQ.zip"
SPLIT_FILES = {"train": "BoolQ/train.jsonl", "validation": "BoolQ/val.jsonl", "test": "BoolQ/test.jsonl"}


def boolq_zip_source():
    return os.environ.get("BOOLQ_ZIP_URL", DEFAULT_BOOLQ_ZIP_URL)


def read_archive(source):
    """Return the BoolQ zip archive from a URL or a local path."""
    if "://" in source:
        with urllib.request.urlopen(source, timeout=120) as response:
            data = response.read()
    else:
        with open(source, "rb") as f:
            data = f.read()
    return zipfile.ZipFile(io.BytesIO(data))


def read_split(archive, split):
    """The examples of one split as dicts with question, passage, idx and (except for test) label."""
    with archive.open(SPLIT_FILES[split]) as f:
        return [json.loads(line) for line in io.TextIOWrapper(f, encoding="utf-8") if line.strip()]


class BoolQDataset(Dataset):
    """Tokenised BoolQ examples; each item is a dict of tensors including `labels` (1 = yes, 0 = no)."""

    def __init__(self, encodings, labels):
        self.encodings = encodings
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        item = {key: torch.tensor(values[index]) for key, values in self.encodings.items()}
        item["labels"] = torch.tensor(self.labels[index])
        return item


def load_boolq_datasets(splits, tokenizer, max_length=256):
    """Return the BoolQDataset of each given split ("train", "validation", "test"), in the order given:
    a list for several splits, the dataset itself for one.

    Question/passage pairs are truncated to `max_length` tokens (the passage is cut first, as it is the
    longer part) and padded to exactly `max_length`. Items hold input_ids, token_type_ids,
    attention_mask and labels (test examples have no label and get -1).
    """
    archive = read_archive(boolq_zip_source())
    datasets = []
    for split in splits:
        examples = read_split(archive, split)
        encodings = tokenizer(
            [ex["question"] for ex in examples],
            [ex["passage"] for ex in examples],
            truncation=True,
            padding="max_length",
            max_length=max_length,
        )
        labels = [int(ex["label"]) if "label" in ex else -1 for ex in examples]
        datasets.append(BoolQDataset(dict(encodings), labels))
    return datasets if len(datasets) > 1 else datasets[0]
