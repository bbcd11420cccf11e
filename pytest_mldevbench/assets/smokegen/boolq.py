"""BoolQ.zip: template question/passage pairs over a 75-token vocabulary (label = affirmed vs negated fact)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .common import rng, write_zip

ENTITIES = ["river", "castle", "garden", "engine", "violin", "bridge", "forest", "market", "lantern", "harbor",
            "tower", "desert", "library", "meadow", "island", "temple", "canyon", "village", "station", "orchard"]
ATTRIBUTES = ["red", "old", "open", "quiet", "large", "famous", "wooden", "ancient", "public", "dark", "narrow",
              "busy", "cold", "bright", "empty", "hidden"]
FILLERS = ["many", "people", "visit", "during", "summer", "and", "often", "walk", "near", "it", "a", "small",
           "path", "leads", "to", "water", "some", "say", "was", "built", "long", "ago", "by", "local", "workers",
           "there", "are", "birds", "trees"]
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
VOCAB = SPECIALS + ["the", "is", "never", ".", "?"] + ENTITIES + ATTRIBUTES + FILLERS  # 75 tokens


def filler_sentence(r: np.random.Generator) -> str:
    return " ".join(r.choice(FILLERS, int(r.integers(6, 10)))) + " ."


def row(r: np.random.Generator, idx: int, p_true: float, n_fillers: tuple[int, int]) -> dict:
    entity, attr = r.choice(ENTITIES), r.choice(ATTRIBUTES)
    label = bool(r.random() < p_true)
    fact = f"the {entity} is {attr} ." if label else f"the {entity} is never {attr} ."
    sentences = [filler_sentence(r) for _ in range(int(r.integers(n_fillers[0], n_fillers[1] + 1)))]
    half = len(sentences) // 2
    pos = int(r.integers(half, len(sentences) + 1)) if r.random() < 0.7 else int(r.integers(0, half + 1))
    sentences.insert(pos, fact)
    return {"question": f"is the {entity} {attr}", "passage": " ".join(sentences), "idx": idx, "label": label}


def rows(seed: int, split: str, n: int, p_true: float = 0.6, n_fillers=(3, 5)) -> list[dict]:
    r = rng(seed, split)
    return [row(r, i, p_true, n_fillers) for i in range(n)]


def jsonl(items: list[dict], with_label: bool = True) -> bytes:
    return "".join(json.dumps({k: v for k, v in it.items() if with_label or k != "label"}) + "\n"
                   for it in items).encode()


def write_boolq_zip(path: Path, splits: dict[str, list[dict]]) -> None:
    write_zip(path, {f"BoolQ/{name}.jsonl": jsonl(items, with_label=name != "test") for name, items in splits.items()})


def generate(out: Path, seed: int, deps: dict) -> dict:
    """BoolQ.zip with 600 train, 300 val and 100 unlabelled test lines, about 60 % true."""
    splits = {"train": rows(seed, "train", 600), "val": rows(seed, "val", 300), "test": rows(seed, "test", 100)}
    write_boolq_zip(out / "BoolQ.zip", splits)
    return {"counts": {k: len(v) for k, v in splits.items()},
            "true_fraction": {k: round(float(np.mean([x["label"] for x in v])), 4) for k, v in splits.items()},
            "vocab_size": len(VOCAB)}
