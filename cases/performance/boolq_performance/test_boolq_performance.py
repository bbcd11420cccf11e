"""Validator for boolq_performance: the accuracy of best_checkpoint/ is recomputed on a hidden BoolQ split.

The agent's data (train + a local validation slice carved from train) is derived at prepare time from the
profile's source archive; the source's val.jsonl is the hidden evaluation split and never enters the
sandbox. The prediction step loads the checkpoint as a plain BERT classifier (no agent code runs) on the
hidden questions/passages only; the grader scores its predictions against the hidden labels.
"""
import hashlib
import io
import json
import math
import random
import re
import shutil
import zipfile

from pytest_mldevbench.errors import GradingError, InfrastructureError

PROJECT = "boolq-tinybert-training"
MODEL_ASSET = "hf-tinybert-general-4l-312d"
SOURCE = {"smoke": "boolq-p5", "full": "boolq"}   # archives in the real BoolQ layout
HOLDOUT = {"smoke": 200, "full": 1000}            # train rows moved to the local validation split (seed 0)
LOCKED_ARCH = {"model_type": "bert", "hidden_size": 312, "num_hidden_layers": 4, "num_attention_heads": 12,
               "intermediate_size": 1200}
TIMESTAMP = re.compile(r"\d{8}[-_T]?\d{4,6}")
EVAL_DIR = "_mldb_eval"


def _jsonl(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]


def task_splits(trial) -> tuple[list[dict], list[dict], list[dict]]:
    """(train, local validation, hidden evaluation) rows derived from the profile's source archive."""
    source = trial.asset_reference(SOURCE[trial.profile]) / "BoolQ.zip"
    with zipfile.ZipFile(source) as archive:
        train_all, hidden = _jsonl(archive.read("BoolQ/train.jsonl")), _jsonl(archive.read("BoolQ/val.jsonl"))
    held = set(random.Random(0).sample(range(len(train_all)), HOLDOUT[trial.profile]))
    train = [r for i, r in enumerate(train_all) if i not in held]
    local = [r for i, r in enumerate(train_all) if i in held]
    return train, local, hidden


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=(2019, 1, 1, 0, 0, 0))
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            zf.writestr(info, members[name])
    return buf.getvalue()


def prepare_workspace(trial):
    """data/BoolQ.zip for the agent: train.jsonl and the local validation split (no hidden rows)."""
    train, local, _ = task_splits(trial)
    dump = lambda rows: "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows).encode()  # noqa: E731
    data = trial.workspace / "data"
    data.mkdir(exist_ok=True)
    (data / "BoolQ.zip").write_bytes(_zip_bytes({"BoolQ/train.jsonl": dump(train), "BoolQ/val.jsonl": dump(local)}))
    return None


def inside(root, rel: str):
    """root/rel if it exists and resolves inside root (symlinks out of the snapshot count as missing)."""
    path = root / rel
    try:
        return path if path.exists() and path.resolve().is_relative_to(root.resolve()) else None
    except (OSError, RuntimeError):
        return None


def read_json(path):
    try:
        if path is None or path.stat().st_size > 1_000_000:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def check_artifacts(trial, work) -> bool:
    ckpts = inside(work, "checkpoints")
    trial.check("checkpoints/ holds at least one entry", ckpts is not None and ckpts.is_dir() and any(ckpts.iterdir()),
                "checkpoints/ is missing or empty")
    best = inside(work, "best_checkpoint")
    have = {p.name for p in best.iterdir()} if best is not None and best.is_dir() else set()
    missing = [n for n in ("config.json", "tokenizer_config.json") if n not in have]
    if not have & {"model.safetensors", "pytorch_model.bin"}:
        missing.append("model.safetensors or pytorch_model.bin")
    if not have & {"tokenizer.json", "vocab.txt"}:
        missing.append("tokenizer.json or vocab.txt")
    return trial.check("best_checkpoint/ is a Hugging Face checkpoint", not missing, f"missing: {missing}")


def check_config(trial, work) -> bool:
    cfg = read_json(inside(work, "best_checkpoint/config.json")) or {}
    ref = json.loads((trial.asset_reference(MODEL_ASSET) / "config.json").read_text())
    expected = dict(LOCKED_ARCH, vocab_size=ref["vocab_size"])
    got = {k: cfg.get(k) for k in expected}
    # transformers writes id2label only for non-default labels; without it the config means 2 labels
    labels = len(cfg["id2label"]) if isinstance(cfg.get("id2label"), dict) else cfg.get("num_labels", 2 if cfg else None)
    problems = [f"{k}={got[k]!r} (expected {v!r})" for k, v in expected.items() if got[k] != v]
    if labels != 2:
        problems.append(f"num_labels={labels!r} (expected 2)")
    return trial.check("config is TinyBERT 4L-312D with 2 labels", not problems, "; ".join(problems) or "no config")


def check_wandb(trial, work) -> None:
    info = read_json(inside(work, "wandb_info.json"))
    run_id = info.get("run_id") if isinstance(info, dict) else None
    ok_info = (isinstance(run_id, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", run_id) is not None
               and info.get("project_id") == PROJECT)
    trial.check("wandb_info.json names the project and a run id", ok_info, f"wandb_info.json: {info!r}")
    runs = [d for d in (work / "wandb").glob(f"offline-run-*-{run_id}") if inside(work, f"wandb/{d.name}")] \
        if ok_info and inside(work, "wandb") else []
    run, why = None, f"no wandb/offline-run-*-{run_id} directory"
    if len(runs) == 1:
        try:
            run = trial.wandb_run(runs[0])
        except Exception as exc:  # an unreadable log is the agent's problem
            why = f"cannot read the offline run: {exc}"
    trial.check("the W&B run exists offline under project boolq-tinybert-training",
                run is not None and run.get("project") == PROJECT and run.get("id") == run_id,
                why if run is None else f"project {run.get('project')!r}, id {run.get('id')!r}")
    name = (run or {}).get("name") or ""
    trial.check("the run name has a timestamp", TIMESTAMP.search(name) is not None, f"run name {name!r}")

    def finite(row, key):
        v = row.get(key)
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    hist = (run or {}).get("history") or []
    counts = {k: sum(finite(r, k) for r in hist) for k in ("train_loss", "val_loss", "val_accuracy")}
    trial.check("W&B history: >= 2 train_loss, >= 1 val_loss and val_accuracy, all finite",
                counts["train_loss"] >= 2 and counts["val_loss"] >= 1 and counts["val_accuracy"] >= 1, f"{counts}")


def write_eval_inputs(trial, work, hidden) -> dict:
    """Hidden rows without labels, shuffled, under opaque ids; returns id -> label (kept by the grader)."""
    order = list(range(len(hidden)))
    random.Random(f"{trial.result.trial_id}-order").shuffle(order)
    salt = random.Random().getrandbits(64)
    labels, lines = {}, []
    for pos, i in enumerate(order):
        rid = hashlib.sha256(f"{salt}-{pos}".encode()).hexdigest()[:16]
        labels[rid] = int(bool(hidden[i]["label"]))
        lines.append(json.dumps({"id": rid, "question": hidden[i]["question"], "passage": hidden[i]["passage"]}))
    eval_dir = work / EVAL_DIR
    if eval_dir.is_symlink() or eval_dir.is_file():
        eval_dir.unlink()
    elif eval_dir.exists():
        shutil.rmtree(eval_dir)
    eval_dir.mkdir()
    (eval_dir / "inputs.jsonl").write_text("\n".join(lines) + "\n")
    ref = eval_dir / "reference"
    ref.mkdir()
    for f in trial.asset_reference(MODEL_ASSET).iterdir():
        shutil.copy(f, ref / f.name)
    return labels



def test_boolq_performance(trial):
    work = trial.grading_dir
    for stale in ("eval_metrics.json", "wandb_metrics_error.txt"):  # never read; removed so nothing relies on them
        (work / stale).unlink(missing_ok=True)
    trial.check_protected("utils.py and evaluate.py unchanged")
    artifacts_ok = check_artifacts(trial, work)
    config_ok = check_config(trial, work)
    check_wandb(trial, work)

    _, _, hidden = task_splits(trial)
    if not hidden:
        raise InfrastructureError("the hidden evaluation split is empty")
    pred = None
    detail = "best_checkpoint/ is incomplete or not TinyBERT-shaped"
    if artifacts_ok and config_ok:
        labels = write_eval_inputs(trial, work, hidden)
        try:
            pred = trial.run_hidden_python(
                "predict_boolq.py", "best_checkpoint", f"{EVAL_DIR}/reference", f"{EVAL_DIR}/inputs.jsonl",
                str(int(trial.threshold("max_length"))), timeout=trial.threshold("predict_timeout_s"),
                gpu=trial.resources.gpus > 0)
        except GradingError as exc:
            detail = str(exc)
    loaded = pred is not None and not [k for k in pred["missing_keys"] if not k.startswith("classifier.")] \
        and not pred["unexpected_keys"] and not pred["mismatched_keys"] \
        and pred["architecture"] == "BertForSequenceClassification" and pred["num_labels"] == 2
    trial.check("best_checkpoint loads as BertForSequenceClassification without stray keys", loaded,
                detail if pred is None else {k: pred[k] for k in pred if k not in ("ids", "predictions")})
    cap = None if pred is None else trial.threshold("param_ratio") * pred["reference_params"]
    trial.check("parameter count within 1 % of the served TinyBERT", pred is not None and pred["num_params"] <= cap,
                detail if pred is None else f"{pred['num_params']} > {cap:.0f}")
    acc = None
    if pred is not None:
        got = dict(zip(pred["ids"], pred["predictions"]))
        if set(got) != set(labels) or len(pred["ids"]) != len(labels):
            detail = f"predictions cover {len(set(got) & set(labels))} of {len(labels)} hidden rows"
        else:
            acc = 100.0 * sum(int(got[i] == y) for i, y in labels.items()) / len(labels)
            detail = f"hidden accuracy {acc:.2f} %"
    target = trial.threshold("accuracy")
    trial.check(f"hidden-split accuracy >= {target:g} %", acc is not None and acc >= target,
                detail if acc is None else f"hidden accuracy {acc:.2f} % < {target:g} %", value=acc)
    trial._log(f"boolq_performance: {detail}")
