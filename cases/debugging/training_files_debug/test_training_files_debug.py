"""Validator for training_files_debug: the agent's 2-epoch run left a log, a W&B run and one checkpoint that agree
with each other (read here as data) and with a recomputation from the checkpoint (hidden/eval_ckpt.py, a judge:
val metrics, and BatchNorm weights moved from their init along the saved Adam direction);
probes run the fixed package on grading-time inputs and a judge with the served CIFAR-10 compares it with the
reference model, split, transforms and loaders, and recomputes the val metrics of a short fit (hidden/judge.py)."""
import math
import re
import tarfile

from pytest_mldevbench.wandb_reader import WandbReadError

PROJECT = "cifar10-training"
EPOCH_LINE = re.compile(r"epoch=(\d+) val_loss=(\S+) val_acc=(\S+)")
CKPT_NAME = re.compile(r"^cifar10-epoch=(\d{2})-val_loss=(\d+\.\d{2})\.ckpt$")
LEGACY_IMPORT = re.compile(r"^\s*(import|from)\s+pytorch_lightning\b", re.M)


def parse(text):
    try:
        return float(text)
    except ValueError:
        return math.nan


def logged_run(grading):
    """(run id, {epoch: val_loss}) from training.log when it holds one run id, epochs 0 and 1 and the final line."""
    log = grading.read_text(grading.snapshot / "training.log", 1_000_000) or ""
    ids, lines = sorted(set(re.findall(r"run_id=(\S+)", log))), EPOCH_LINE.findall(log)
    losses = {int(e): parse(loss) for e, loss, _ in lines}
    ok = len(ids) == 1 and [int(e) for e, _, _ in lines] == [0, 1] and "training complete" in log and all(
        math.isfinite(parse(v)) for _, loss, acc in lines for v in (loss, acc))
    grading.check("training.log: one run_id, epochs 0 and 1, training complete", ok, f"run ids {ids}, lines {lines}")
    return (ids[0], losses) if ok else (None, {})


def test_training_files_debug(grading):
    snap = grading.snapshot
    grading.check_protected("train.py and __init__.py files untouched")
    grading.check_problems("the package imports lightning.pytorch, not the legacy pytorch_lightning",
                           [f"{f} imports pytorch_lightning" for f in grading.task.editable
                            if LEGACY_IMPORT.search(grading.read_text(snap / f, 1_000_000) or "")])
    run_id, logged = logged_run(grading)
    info, problem, losses = grading.read_json(snap / "wandb_info.json") or {}, "", {}
    runs = sorted(p for p in (snap / "wandb").glob(f"offline-run-*-{run_id}") if p.is_dir()) if run_id else []
    try:
        run = grading.wandb_run(runs[0]) if len(runs) == 1 else {}
        losses = {row.get("epoch"): row["val_loss"] for row in run.get("history", []) if "val_loss" in row}
        problem = "" if run and (run.get("id"), run.get("project")) == (run_id, PROJECT) else f"{len(runs)} runs, {str(run)[:100]}"
    except WandbReadError as exc:
        problem = str(exc)
    grading.check("wandb_info.json and the offline W&B run agree with training.log",
                  info.get("project_id") == PROJECT and info.get("run_id") == run_id and not problem and logged
                  and set(losses) == {0, 1} and all(abs(float(losses[e]) - logged[e]) <= 1e-4 for e in (0, 1)),
                  f"info {str(info)[:200]}; {problem}; W&B val_loss {losses}; log {logged}")
    ckpts = sorted(p for p in (snap / "checkpoints").glob("*.ckpt") if p.is_file()) if (snap / "checkpoints").is_dir() else []
    name = CKPT_NAME.match(ckpts[0].name) if len(ckpts) == 1 else None
    best = min(logged, key=logged.get) if logged else None
    grading.check("one best checkpoint, cifar10-epoch=01-val_loss=*.ckpt: epoch 1 logged the lowest val_loss",
                  name is not None and int(name.group(1)) == best == 1 and name.group(2) == f"{logged[best]:.2f}",
                  f"checkpoints {[p.name for p in ckpts]}; logged val_loss {logged}")
    cifar = grading.asset_reference("cifar-10")
    collected = grading.collect(*ckpts[:1], limit=200_000_000)
    result = grading.reference("eval_ckpt.py", str(collected / ckpts[0].name), str(cifar), read=[collected, cifar],
                               timeout=300) if name else {}
    step = (int(name.group(1)) + 1) * result["steps_per_epoch"] if "steps_per_epoch" in result else None
    grading.check("checkpoint contents: epoch, global_step, Adam steps and the reference state_dict",
                  name is not None and result.get("epoch") == int(name.group(1)) and result.get("global_step") == step
                  and result.get("adam_steps") == [step] and result.get("keys_match") is True, str(result)[:600])
    shift, min_shift = result.get("norm_shift"), grading.threshold("min_norm_shift")
    grading.check(f"checkpoint weights trained: Adam moments nonzero for every parameter, every BatchNorm moved from "
                  f"its seed-independent init (smallest mean shift >= {min_shift})",
                  result.get("adam_states") == result.get("n_trainable") and result.get("adam_zero_moments") == 0
                  and grading.finite(shift) and shift >= min_shift,
                  f"Adam states {result.get('adam_states')}/{result.get('n_trainable')}, all-zero "
                  f"{result.get('adam_zero_moments')}; norm shift {shift}", value=shift)
    aligned, min_aligned = result.get("alignment"), grading.threshold("min_adam_alignment")
    grading.check(f"checkpoint BatchNorm weights moved from their seed-independent init along the saved Adam step "
                  f"direction (cosine >= {min_aligned})", grading.finite(aligned) and aligned >= min_aligned,
                  f"cosine {aligned}; displacement {result.get('displacement')}, parameter tensors moved "
                  f"{result.get('moved_fraction')}", value=aligned)
    val_loss, val_acc, min_acc = result.get("val_loss"), result.get("val_acc"), grading.threshold("min_val_acc")
    grading.check(f"recomputed val loss matches the name (±0.02) and val acc >= {min_acc}",
                  name is not None and grading.finite(val_loss) and abs(val_loss - float(name.group(2))) <= 0.02
                  and grading.finite(val_acc) and val_acc >= min_acc, f"recomputed {val_loss}, {val_acc}", value=val_acc)
    data = grading.grading_dir / "data"  # the served CIFAR-10 for the probes (the agent's data/ is not carried)
    with tarfile.open(cifar / "cifar-10-python.tar.gz") as tar:
        tar.extractall(data, filter="data")
    inputs = grading.inputs("judge.py")
    observed = grading.observe("probes.py", inputs, probe_timeout=240, env={"MLDB_CIFAR_DIR": str(data)})
    verdict = grading.reference("judge_with_data.py", str(inputs.dir), str(observed.dir), str(cifar), grading.profile,
                                read=[inputs.dir, observed.dir, cifar], timeout=300)
    for c in verdict["checks"]:
        grading.check(c["name"], c["ok"], c["detail"], c.get("value"))
