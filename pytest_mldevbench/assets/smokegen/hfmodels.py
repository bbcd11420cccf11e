"""Tiny, seeded, randomly initialised Hugging Face repos of the real architecture families."""
from __future__ import annotations

import json
from pathlib import Path

from .boolq import VOCAB as BOOLQ_VOCAB
from .common import rng

IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def _torch(seed: int):
    import torch
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    return torch


def _tokenizer(vocab: list[str], out: Path, max_len: int) -> None:
    from transformers import BertTokenizerFast
    tok = BertTokenizerFast(vocab={t: i for i, t in enumerate(vocab)}, do_lower_case=True, model_max_length=max_len)
    tok.save_pretrained(str(out))
    (out / "vocab.txt").write_text("".join(t + "\n" for t in vocab), encoding="utf-8")


def _set_architectures(out: Path, names: list[str]) -> None:
    path = out / "config.json"
    cfg = json.loads(path.read_text())
    cfg["architectures"] = names
    path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")


def bert_vocab(seed: int, size: int = 30522) -> list[str]:
    """[PAD] 0, [unused*], [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103, characters, words and ## pieces."""
    vocab = ["[PAD]"] + [f"[unused{i}]" for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab += [f"[unused{i}]" for i in range(99, 994)]
    chars = [chr(c) for c in range(33, 127) if not chr(c).isupper()]
    vocab += chars + ["##" + c for c in chars if c.isalnum()]
    words = ("the of and to in a is was he for it with as his on be at by i this had not are but from or have an "
             "they which one you were her all she there would their we him been has when who will more no if out so "
             "said what up its about into than them can only other new some could time these two may then do first "
             "any my now such like our over man me even most made after also did many before must through back "
             "years where much your way well down should because each just those people how too little state good "
             "very make world still own see men work long get here between both life being under never day same "
             "another know while last might us great old year off come since against go came right used take three "
             "hello model bert language learning data train test pretrained download save load token text sentence "
             "quick brown fox jumps lazy dog running jumped cats dogs walking machine deep network").split()
    vocab += [w for w in dict.fromkeys(words) if w not in vocab]
    r = rng(seed, "pieces")
    syllables = [a + b for a in "bcdfghjklmnprstvwz" for b in ("a", "e", "i", "o", "u", "ar", "en", "on", "el")]
    seen = set(vocab)
    while len(vocab) < size:
        piece = "".join(r.choice(syllables, int(r.integers(1, 4))))
        piece = "##" + piece if r.random() < 0.3 else piece
        if piece not in seen:
            seen.add(piece)
            vocab.append(piece)
    return vocab


def generate_bert_base_uncased(out: Path, seed: int, deps: dict) -> dict:
    torch = _torch(seed)
    from transformers import BertConfig, BertForPreTraining
    cfg = BertConfig(vocab_size=30522, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                     intermediate_size=128, max_position_embeddings=512, type_vocab_size=2)
    model = BertForPreTraining(cfg).eval()
    model.save_pretrained(str(out))
    _set_architectures(out, ["BertForMaskedLM"])
    _tokenizer(bert_vocab(seed), out, 512)
    return {"num_parameters": sum(p.numel() for p in model.parameters()), "hidden_size": 64,
            "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 30522, "torch": torch.__version__}


def tinybert_config(num_labels: int | None = None):
    from transformers import BertConfig
    extra = {"num_labels": num_labels} if num_labels else {}
    return BertConfig(vocab_size=len(BOOLQ_VOCAB), hidden_size=312, num_hidden_layers=4, num_attention_heads=12,
                      intermediate_size=1200, max_position_embeddings=512, type_vocab_size=2, **extra)


def generate_tinybert_general(out: Path, seed: int, deps: dict) -> dict:
    _torch(seed)
    from transformers import BertModel
    model = BertModel(tinybert_config()).eval()
    model.save_pretrained(str(out))
    _tokenizer(BOOLQ_VOCAB, out, 512)
    return {"num_parameters": sum(p.numel() for p in model.parameters()), "vocab_size": len(BOOLQ_VOCAB)}


def generate_tinybert_boolq(out: Path, seed: int, deps: dict) -> dict:
    """Seeded random BertForSequenceClassification; the segment-1 embedding row scaled up so segments matter.

    The classifier is scaled and its bias centred on a fixed probe set of long pairs, so predictions split
    roughly evenly (see evaldebug.centre_bias).
    """
    torch = _torch(seed)
    from transformers import BertForSequenceClassification
    from .evaldebug import centre_bias
    cfg = tinybert_config(num_labels=2)
    cfg.initializer_range = 0.1  # sharper random attention: logits depend clearly on the input
    model = BertForSequenceClassification(cfg).eval()
    with torch.no_grad():
        model.bert.embeddings.token_type_embeddings.weight[1].mul_(25.0)
    _tokenizer(BOOLQ_VOCAB, out, 512)
    centre_bias(model, out, seed)
    model.save_pretrained(str(out))
    (out / "special_tokens_map.json").write_text(json.dumps(
        {"cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]",
         "unk_token": "[UNK]"}, indent=2, sort_keys=True) + "\n")
    return {"num_parameters": sum(p.numel() for p in model.parameters()), "segment1_scale": 25.0}


def generate_dinov2_small(out: Path, seed: int, deps: dict) -> dict:
    _torch(seed)
    from transformers import BitImageProcessor, Dinov2Config, Dinov2Model
    cfg = Dinov2Config(hidden_size=48, num_hidden_layers=2, num_attention_heads=3, patch_size=14, image_size=56,
                       mlp_ratio=2, layerscale_value=1.0)
    model = Dinov2Model(cfg).eval()
    model.save_pretrained(str(out))
    BitImageProcessor(size={"shortest_edge": 64}, crop_size={"height": 56, "width": 56}, do_center_crop=True,
                      image_mean=IMAGENET_MEAN, image_std=IMAGENET_STD,
                      do_convert_rgb=True).save_pretrained(str(out))
    return {"num_parameters": sum(p.numel() for p in model.parameters()), "hidden_size": 48, "image_size": 56}


def _calibrate_batchnorm(model, torch, size: int, batches: int = 4) -> None:
    """Set BatchNorm's running statistics from smooth random images in [-1, 1], as pretraining leaves them. With
    the initial ones (mean 0, variance 1) a random network's activations die out in eval mode (the mode
    `from_pretrained` returns), so a fine-tuning step there could not depend on the image."""
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average over the batches
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            small = torch.rand(32, 3, 8, 8)
            model(pixel_values=torch.nn.functional.interpolate(small, size=(size, size), mode="bilinear") * 2 - 1)
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum


def generate_mobilenet_v2(out: Path, seed: int, deps: dict) -> dict:
    torch = _torch(seed)
    from torchvision.models._meta import _IMAGENET_CATEGORIES
    from transformers import MobileNetV2Config, MobileNetV2ForImageClassification, MobileNetV2ImageProcessor
    labels = ["background"] + list(_IMAGENET_CATEGORIES)
    cfg = MobileNetV2Config(depth_multiplier=0.35, image_size=64, num_labels=1001,
                            id2label=dict(enumerate(labels)), label2id={n: i for i, n in enumerate(labels)})
    model = MobileNetV2ForImageClassification(cfg)
    _calibrate_batchnorm(model, torch, cfg.image_size)
    model.eval().save_pretrained(str(out))
    MobileNetV2ImageProcessor(size={"shortest_edge": 73}, crop_size={"height": 64, "width": 64},
                              image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5]).save_pretrained(str(out))
    return {"num_parameters": sum(p.numel() for p in model.parameters()), "num_labels": 1001, "image_size": 64}
