"""Validator for training_files_debug: the 2-epoch run's artifacts agree with each other and with a
recomputation from the checkpoint, and the fixed package passes the hidden tests."""
import json
import math
import re
import shutil
import tarfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pytest_mldevbench.wandb_reader import WandbReadError, read_offline_run

PROJECT = "cifar10-training"
BATCH_SIZE = 32
EPOCH_LINE = re.compile(r"epoch=(\d+) val_loss=(\S+) val_acc=(\S+)")
CKPT_NAME = re.compile(r"^cifar10-epoch=(\d{2})-val_loss=(\d+\.\d{2})\.ckpt$")


def _read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() and not path.is_symlink() else ""


def _epoch_lines(log: str) -> list[tuple[int, float, float]]:
    out = []
    for epoch, loss, acc in EPOCH_LINE.findall(log):
        try:
            out.append((int(epoch), float(loss), float(acc)))
        except ValueError:
            out.append((int(epoch), math.nan, math.nan))
    return out


def _grader_data(trial) -> Path:
    """The grader's own copy of the served CIFAR-10 tarball, extracted next to it (never the agent's data/)."""
    source = trial.asset_reference("cifar-10") / "cifar-10-python.tar.gz"
    data = trial.grading_dir / "data"
    if data.exists() or data.is_symlink():
        shutil.rmtree(data) if data.is_dir() and not data.is_symlink() else data.unlink()
    data.mkdir()
    shutil.copy2(source, data / source.name)
    with tarfile.open(data / source.name) as tar:
        tar.extractall(data, filter="data")
    return data


def test_training_files_debug(trial):
    g = trial.grading_dir
    trial.check_protected("train.py and __init__.py files untouched")

    # 2. The log: one run id, exactly epochs 0 and 1 with finite values, and the final line.
    log = _read_text(g / "training.log")
    run_ids = sorted(set(re.findall(r"run_id=(\S+)", log)))
    epochs = _epoch_lines(log)
    run_id = run_ids[0] if len(run_ids) == 1 else None
    trial.check("training.log: run_id, epochs 0 and 1, training complete",
                run_id is not None and [e for e, _, _ in epochs] == [0, 1]
                and all(math.isfinite(v) for _, loss, acc in epochs for v in (loss, acc))
                and "training complete" in log,
                f"run ids {run_ids}, epoch lines {epochs}, complete={'training complete' in log}")
    logged = {e: loss for e, loss, _ in epochs} if [e for e, _, _ in epochs] == [0, 1] else {}

    # 3. wandb_info.json and the offline run itself.
    try:
        info = json.loads(_read_text(g / "wandb_info.json") or "null")
    except ValueError:
        info = None
    info = info if isinstance(info, dict) else {}
    history, problem = [], ""
    runs = sorted(p for p in (g / "wandb").glob(f"offline-run-*-{run_id}") if p.is_dir()) if run_id else []
    if len(runs) != 1:
        problem = f"{len(runs)} offline run folders for run id {run_id}"
    else:
        try:
            run = read_offline_run(runs[0])
            history = [row for row in run["history"] if "val_loss" in row]
            if run.get("id") != run_id or run.get("project") != PROJECT:
                problem = f"run record: id {run.get('id')}, project {run.get('project')}"
        except WandbReadError as exc:
            problem = str(exc)
    wandb_losses = {row.get("epoch"): row["val_loss"] for row in history}
    trial.check("wandb_info.json and the offline run agree with training.log",
                info.get("project_id") == PROJECT and info.get("run_id") == run_id and not problem
                and len(history) == 2 and logged and set(wandb_losses) == {0, 1}
                and all(abs(float(wandb_losses[e]) - logged[e]) <= 1e-4 for e in (0, 1)),
                f"info {str(info)[:200]}; {problem}; history val_loss {wandb_losses}; log {logged}")

    # 4. Exactly one checkpoint, named after the better of the two logged epochs.
    ckpts = sorted(p for p in (g / "checkpoints").glob("*.ckpt") if p.is_file()) if (g / "checkpoints").is_dir() else []
    name = CKPT_NAME.match(ckpts[0].name) if len(ckpts) == 1 else None
    name_epoch, name_loss = (int(name.group(1)), name.group(2)) if name else (None, None)
    best = min(logged, key=logged.get) if logged else None
    trial.check("one best checkpoint, consistent with training.log",
                name is not None and name_epoch == best and name_loss == f"{logged[best]:.2f}",
                f"checkpoints {[p.name for p in ckpts]}; logged val_loss {logged}")

    # 5 and 6 run side by side (each process is mostly imports, so this halves the grading wall time on
    # two cores): the recomputation from the checkpoint with hidden reference code (weights_only load), and
    # the hidden tests against the reference package, the pristine train.py and the grader's data.
    data = _grader_data(trial)
    trial.add_hidden("reference_cifar10_classifier")
    trial.add_hidden("train.py")
    trial.add_hidden("test_hidden.py")
    with ThreadPoolExecutor(max_workers=2) as pool:
        evaluation = pool.submit(trial.run_hidden_python, "eval_ckpt.py", str(ckpts[0]), str(data), timeout=300) \
            if len(ckpts) == 1 else None
        hidden_tests = pool.submit(trial.run_pytest, ["test_hidden.py"], expect_passed=5, timeout=300,
                                   env={"MLDB_CIFAR_DIR": str(data)})
    result = evaluation.result() if evaluation else {}
    expected_step = (name_epoch + 1) * result["steps_per_epoch"] if name and "steps_per_epoch" in result else None
    trial.check("checkpoint contents: epoch, global_step, Adam steps and reference state_dict",
                name is not None and result.get("epoch") == name_epoch and result.get("global_step") == expected_step
                and result.get("adam_steps") == [expected_step] and result.get("keys_match") is True,
                f"name epoch {name_epoch}; eval {str({k: v for k, v in result.items() if k not in ('val_loss', 'val_acc')})[:600]}")
    val_loss, val_acc = result.get("val_loss"), result.get("val_acc")
    min_acc = trial.threshold("min_val_acc")
    trial.check(f"recomputed val loss matches the name (±0.02) and val acc >= {min_acc}",
                name is not None and isinstance(val_loss, float) and math.isfinite(val_loss)
                and abs(val_loss - float(name_loss)) <= 0.02 and isinstance(val_acc, float) and val_acc >= min_acc,
                f"name val_loss {name_loss}; recomputed val_loss {val_loss}, val_acc {val_acc}")
    tests = hidden_tests.result()
    trial.check("hidden tests: exactly 5 passed", tests.ok, tests.summary())
