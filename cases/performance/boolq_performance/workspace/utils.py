"""BoolQ data utilities (locked: this file is hash-checked at grading time).

The data lives in `data/BoolQ.zip` next to this file: `BoolQ/train.jsonl` (training rows) and
`BoolQ/val.jsonl` (a labelled local validation split carved from the training data). Each line is a JSON
object with `question`, `passage`, `idx` and `label` (true/false). Nothing is downloaded.
"""
import io
import json
import zipfile
from pathlib import Path

import torch
from torch.utils.data import Dataset

DATA_ZIP = Path(__file__).resolve().parent / "data" / "BoolQ.zip"
SPLIT_FILES = {"train": "BoolQ/train.jsonl", "validation": "BoolQ/val.jsonl"}


def read_split(split, path=DATA_ZIP):
    """The rows of one split ("train" or "validation") as dicts."""
    if split not in SPLIT_FILES:
        raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLIT_FILES)}")
    with zipfile.ZipFile(path) as archive, archive.open(SPLIT_FILES[split]) as f:
        return [json.loads(line) for line in io.TextIOWrapper(f, encoding="utf-8") if line.strip()]


class BoolQDataset(Dataset):
    """Tokenised BoolQ pairs; each item is a dict of tensors including `labels` (1 = yes, 0 = no)."""

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
    """Return {split: BoolQDataset} for the given splits ("train", "validation").

    (question, passage) pairs are tokenised together (segment 0 = question, 1 = passage), truncated to
    `max_length` tokens and padded to exactly `max_length`. Items hold input_ids, token_type_ids,
    attention_mask and labels.
    """
    datasets = {}
    for split in splits:
        rows = read_split(split)
        encodings = tokenizer([r["question"] for r in rows], [r["passage"] for r in rows], truncation=True,
                              padding="max_length", max_length=max_length)
        datasets[split] = BoolQDataset(dict(encodings), [int(bool(r["label"])) for r in rows])
    return datasets
