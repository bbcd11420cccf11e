"""Validator for boolq_performance: the accuracy of best_checkpoint/ is recomputed on a hidden BoolQ split.

The agent's data (train + a local validation slice carved from train) is derived at prepare time from the
profile's source archive; the source's val.jsonl is the hidden evaluation split and never enters the sandbox.
No agent code runs: a bounded copy of best_checkpoint/ goes to a judge, hidden/score_boolq.py, which checks its
config, loads it as a plain BERT classifier and scores it on the hidden split. The W&B run is read from its own
offline log with wandb's decoder.
"""
import io
import json
import random
import re
import zipfile

PROJECT = "boolq-tinybert-training"
MODEL_ASSET = "hf-tinybert-general-4l-312d"
SOURCE = {"smoke": "boolq-p5", "full": "boolq"}   # archives in the real BoolQ layout
HOLDOUT = {"smoke": 200, "full": 1000}            # train rows moved to the local validation split (seed 0)
TIMESTAMP = re.compile(r"\d{8}[-_T]?\d{4,6}|\d{4}-\d{2}-\d{2}[-_T ]\d{2}[-:_]?\d{2}|(?<!\d)1[5-9]\d{8}(?!\d)")


def _jsonl(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]


def task_splits(grading) -> tuple[list[dict], list[dict]]:
    """(train, local validation) rows derived from the profile's source archive (its val.jsonl stays hidden)."""
    with zipfile.ZipFile(grading.asset_reference(SOURCE[grading.profile]) / "BoolQ.zip") as archive:
        train_all = _jsonl(archive.read("BoolQ/train.jsonl"))
    held = set(random.Random(0).sample(range(len(train_all)), HOLDOUT[grading.profile]))
    return [r for i, r in enumerate(train_all) if i not in held], [r for i, r in enumerate(train_all) if i in held]


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=(2019, 1, 1, 0, 0, 0))
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            zf.writestr(info, members[name])
    return buf.getvalue()


def prepare_workspace(grading):
    """data/BoolQ.zip for the agent: train.jsonl and the local validation split (no hidden rows)."""
    train, local = task_splits(grading)
    dump = lambda rows: "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows).encode()  # noqa: E731
    data = grading.workspace / "data"
    data.mkdir(exist_ok=True)
    (data / "BoolQ.zip").write_bytes(_zip_bytes({"BoolQ/train.jsonl": dump(train), "BoolQ/val.jsonl": dump(local)}))
    return None


def offline_run(grading, run_id) -> tuple[dict | None, str]:
    """The W&B run `run_id` read from its own offline log under wandb/ (or None and why)."""
    if not (isinstance(run_id, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", run_id)):
        return None, f"run_id {str(run_id)[:100]!r} is not a W&B run id"
    runs = [d for d in (grading.snapshot / "wandb").glob(f"offline-run-*-{run_id}") if grading.path(d) is not None]
    if len(runs) != 1:
        return None, f"no single wandb/offline-run-*-{run_id} folder"
    try:
        return grading.wandb_run(runs[0]), ""
    except Exception as exc:  # noqa: BLE001 - an unreadable log is the agent's problem
        return None, f"cannot read the offline run: {exc}"


def test_boolq_performance(grading):
    grading.check_protected("utils.py and evaluate.py unchanged")
    ckpts, best = grading.path("checkpoints"), grading.path("best_checkpoint")
    grading.check("checkpoints/ holds at least one entry", ckpts and ckpts.is_dir() and any(ckpts.iterdir()),
                  "checkpoints/ is missing or empty")
    have = {p.name for p in best.iterdir()} if best and best.is_dir() else set()
    missing = ([n for n in ("config.json", "tokenizer_config.json") if n not in have]
               + ["model.safetensors or pytorch_model.bin"] * (not have & {"model.safetensors", "pytorch_model.bin"})
               + ["tokenizer.json or vocab.txt"] * (not have & {"tokenizer.json", "vocab.txt"}))
    complete = grading.check("best_checkpoint/ is a Hugging Face checkpoint", not missing, f"missing: {missing}")
    info = grading.read_json(grading.path("wandb_info.json"))
    info = info if isinstance(info, dict) else {}
    run, why = offline_run(grading, info.get("run_id"))
    grading.check("wandb_info.json names the project and a run id",
                  info.get("project_id") == PROJECT and not why.startswith("run_id"), f"wandb_info.json: {str(info)[:300]}")
    run = run or {}
    grading.check("the W&B run exists offline under project boolq-tinybert-training",
                  not why and run.get("project") == PROJECT and run.get("id") == info.get("run_id"),
                  why or f"project {run.get('project')!r}, id {run.get('id')!r}")
    name = str(run.get("name") or "")
    grading.check("the run name has a timestamp", TIMESTAMP.search(name) is not None, f"run name {name!r}")
    hist = [r for r in run.get("history") or [] if isinstance(r, dict)]
    rows = {part: sum(any(part in str(k).lower() and grading.finite(v) for k, v in r.items()) for r in hist)
            for part in ("loss", "acc")}
    grading.check("W&B history: >= 2 rows with a finite loss-like and >= 1 with an accuracy-like metric (any names)",
                  rows["loss"] >= 2 and rows["acc"] >= 1, f"rows with a metric named *loss* / *acc*: {rows}")
    if not complete:
        return
    copy, reference = grading.collect(best, limit=2**30), grading.asset_reference(MODEL_ASSET)
    source = grading.asset_reference(SOURCE[grading.profile])
    res = grading.reference("score_boolq.py", str(copy / best.name), str(reference), str(source / "BoolQ.zip"),
                            str(int(grading.threshold("max_length"))), str(grading.threshold("param_ratio")),
                            read=[copy, reference, source], timeout=grading.threshold("predict_timeout_s"))
    for c in res["checks"]:
        grading.check(c["name"], c["ok"], c["detail"])
    grading.note("trivial baseline", f"the majority class of the hidden split scores {res.get('majority')} %")
    target, acc = grading.threshold("accuracy"), grading.number(res.get("accuracy"))
    grading.check(f"hidden-split accuracy >= {target:g} %", acc is not None and acc >= target,
                  f"hidden accuracy {acc if acc is None else round(acc, 2)} %", value=acc)
