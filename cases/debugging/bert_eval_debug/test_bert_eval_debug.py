"""Validator for bert_eval_debug: evaluate.py must reproduce the reference accuracy on two data sets.

Run A uses the given data and the real training log; run B uses a hidden subset of other validation data
and a decoy log, so a hard-coded or log-derived number cannot pass both. The accuracy each run writes is an
observation; the expected values come from the hidden reference evaluation of the served checkpoint on the
served data, in a judge process (hidden/reference_eval.py), and examples the reference scores as near-ties
may go either way.
"""
import ast
import random
import shutil
import zipfile

from pytest_mldevbench.errors import GradingError, InfrastructureError

TOKENIZER_ASSET = "hf-tinybert-general-4l-312d"
CHECKPOINT_ASSET = "hf-tinybert-boolq"
# the data asset: BoolQ.zip is given to the agent, run B draws its hidden subset from BoolQ-variant.zip (smoke: other
# generated data; full: the real val split again, cut from the real BoolQ with the train split, test.jsonl left out)
DATA = ("boolq-evaldebug", "BoolQ.zip", "BoolQ-variant.zip")
# What the original fine-tuning run reported (full profile): 9,427 train / 3,270 val, best 74.46 % at epoch 8.
FULL_LOG = {"num_train": 9427, "num_val": 3270, "best_correct": 2435}
BEST_EPOCH, EPOCHS = 8, 10
RUN_B_SEED = 90210
RUN_B_SIZE = {"smoke": 160, "full": 1500}  # examples drawn from run B's source
LOCKED = ["train.py", "utils.py"]
NEAR_TIE = 1e-3  # |logit difference| below which another correct batching or padding may flip a prediction


def render_train_logs(num_train: int, num_val: int, best_correct: int, seed: int) -> str:
    """A training log in train.py's print format whose best epoch (8 of 10) reached `best_correct`/`num_val`."""
    rng = random.Random(seed)
    lines = [f"Loaded {num_train} training and {num_val} validation examples"]
    train_loss, val_loss = 0.68, 0.66
    for epoch in range(1, EPOCHS + 1):
        if epoch == BEST_EPOCH:
            correct = best_correct
        else:
            shortfall = max(1, round(num_val * (0.12 * (BEST_EPOCH - epoch) / BEST_EPOCH if epoch < BEST_EPOCH
                                                else 0.004 * (epoch - BEST_EPOCH))))
            correct = max(0, best_correct - shortfall - rng.randint(0, max(1, num_val // 200)))
        train_loss *= 0.86
        val_loss = val_loss * 0.97 if epoch <= BEST_EPOCH else val_loss * 1.02
        lines.append(f"Epoch {epoch}/{EPOCHS} - train loss: {train_loss:.4f} - val loss: {val_loss:.4f} - "
                     f"val accuracy: {100.0 * correct / num_val:.2f}% ({correct}/{num_val})")
    lines.append(f"Best validation accuracy: {100.0 * best_correct / num_val:.2f}% at epoch {BEST_EPOCH}")
    return "\n".join(lines) + "\n"


def log_facts(grading) -> dict:
    """num_train / num_val / best_correct of the training log for the active profile."""
    if grading.profile == "full":
        return dict(FULL_LOG)
    recorded = grading.asset_meta("boolq-evaldebug")["recorded"]
    with zipfile.ZipFile(grading.asset_reference("boolq-evaldebug") / "BoolQ.zip") as archive:
        num_train = sum(1 for line in archive.read("BoolQ/train.jsonl").splitlines() if line.strip())
    return {"num_train": num_train, "num_val": recorded["num_val"], "best_correct": recorded["correct_A"]["reference"]}


def supply_locked_material(grading, target) -> None:
    """Put the pristine checkpoint and the real training log into `target` (a workspace or grading dir)."""
    checkpoint = target / "best_checkpoint"
    if checkpoint.is_dir() and not checkpoint.is_symlink():
        shutil.rmtree(checkpoint)
    elif checkpoint.exists() or checkpoint.is_symlink():
        checkpoint.unlink()
    shutil.copytree(grading.asset_reference(CHECKPOINT_ASSET), checkpoint)
    for path in [checkpoint, *checkpoint.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    facts = log_facts(grading)
    (target / "train_logs.txt").write_text(render_train_logs(**facts, seed=1))


def prepare_workspace(grading) -> dict:
    """Prepare-time step (before protected files are hashed): checkpoint, log and the data URL."""
    supply_locked_material(grading, grading.workspace)
    asset, given, _ = DATA
    url = grading.asset_url(asset)
    if not url.endswith("/" + given):
        raise InfrastructureError(f"unexpected URL for asset {asset}: {url}")
    return {"BOOLQ_ZIP_URL": url}


def trainer_names(source: str) -> list[str]:
    """Imports, names, attributes and definitions in evaluate.py that end in 'Trainer'."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found += [a.name for a in node.names if a.name.split(".")[-1].endswith("Trainer")]
        elif isinstance(node, ast.Name) and node.id.endswith("Trainer"):
            found.append(node.id)
        elif isinstance(node, ast.Attribute) and node.attr.endswith("Trainer"):
            found.append(node.attr)
        elif isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.endswith("Trainer"):
            found.append(node.name)
    return found


def check_run(grading, name, run, metrics_path, correct, margins) -> bool:
    """The accuracy the run wrote (bounded JSON) against the reference's, give or take near-ties and tolerance_pt."""
    expected, total = 100.0 * sum(correct) / len(correct), len(correct)
    slack = sum(m < NEAR_TIE for m in margins)
    tolerance = 100.0 * slack / total + grading.threshold("tolerance_pt")
    metrics = grading.read_json(metrics_path)
    got = grading.number(metrics.get("final_val_accuracy")) if isinstance(metrics, dict) else None
    ok = got is not None and abs(got - expected) <= tolerance + 1e-6
    return grading.check(name, ok, f"exit {run.returncode}, timed out {run.timed_out}; final_val_accuracy {got}, "
                                   f"expected {expected:.4f} ({sum(correct)}/{total}) +- {tolerance:.4f} points "
                                   f"({slack} near-tie(s)); "
                                   f"stderr tail: {run.stderr[-600:]!r}")


def write_subset_zip(source, target, keep) -> None:
    with zipfile.ZipFile(source) as archive:
        lines = [line for line in archive.read("BoolQ/val.jsonl").decode().splitlines() if line.strip()]
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("BoolQ/val.jsonl", "".join(lines[i] + "\n" for i in keep))


def choose_run_b_subset(correct_b: list[int], accuracy_a: float, size: int) -> list[int]:
    """A hidden-seed subset of run B's source whose reference accuracy is at least 1 point from run A's."""
    rng = random.Random(RUN_B_SEED)
    size = min(size, len(correct_b))
    for _ in range(1000):
        keep = sorted(rng.sample(range(len(correct_b)), size))
        if abs(100.0 * sum(correct_b[i] for i in keep) / size - accuracy_a) >= 1.0:
            return keep
    raise InfrastructureError("no run-B subset differs from run A's reference accuracy by a point")


def reference_scores(grading, given, variant):
    """Per-example correctness and |logit margin| of the reference evaluation (a judge process; only our
    checkpoint, tokenizer and data, so cached per machine) on the given data and on run B's source."""
    checkpoint, tokenizer = grading.asset_reference(CHECKPOINT_ASSET), grading.asset_reference(TOKENIZER_ASSET)
    try:
        ref = grading.reference("reference_eval.py", str(checkpoint), str(tokenizer), str(given), str(variant),
                                read=[checkpoint, tokenizer, given.parent], cache=True,
                                timeout=4 * grading.threshold("eval_timeout_s"))
    except GradingError as exc:  # nothing of the agent's is involved: the harness or the assets broke
        raise InfrastructureError(f"reference evaluation failed: {exc}") from exc
    return ref[str(given)], ref[str(variant)]


def test_bert_eval_debug(grading):
    timeout = grading.threshold("eval_timeout_s")
    grading.check_protected("locked files untouched (train.py, utils.py, train_logs.txt, best_checkpoint)")
    source = grading.read_text(grading.snapshot / "evaluate.py", 1_000_000)
    try:
        found = trainer_names(source) if source is not None else ["(no evaluate.py)"]
    except SyntaxError as exc:
        found = [f"(syntax error: {exc})"]
    grading.check("evaluate.py uses no HF Trainer", not found, f"found {found}")

    asset, given, variant = DATA
    data_dir = grading.asset_reference(asset)
    ref_a, ref_b = reference_scores(grading, data_dir / given, data_dir / variant)
    facts = log_facts(grading)
    if (sum(ref_a["correct"]), len(ref_a["correct"])) != (facts["best_correct"], facts["num_val"]):
        raise InfrastructureError(f"reference evaluation gives {sum(ref_a['correct'])}/{len(ref_a['correct'])}, "
                                  f"but the training log says {facts['best_correct']}/{facts['num_val']}")

    # Run A: the pristine locked files, the given data and log, the agent's evaluate.py.
    work = grading.grading_dir
    supply_locked_material(grading, work)
    (work / "eval_metrics.json").unlink(missing_ok=True)
    run_a = grading.run(["python", "evaluate.py"], timeout=timeout)
    check_run(grading, "run A reproduces the training-time accuracy", run_a, work / "eval_metrics.json",
              ref_a["correct"], ref_a["margins"])

    # Run B: a fresh directory, a hidden subset of other validation data, a decoy log.
    keep = choose_run_b_subset(ref_b["correct"], 100.0 * sum(ref_a["correct"]) / len(ref_a["correct"]),
                               RUN_B_SIZE[grading.profile])
    run_b_dir = work / f"run_b_{RUN_B_SEED}"
    if run_b_dir.exists():
        shutil.rmtree(run_b_dir)
    run_b_dir.mkdir()
    for name in LOCKED:  # from their given copies and the snapshot: run A's process could have changed work/
        shutil.copy(grading.pristine / name, run_b_dir / name)
    if source is not None:
        (run_b_dir / "evaluate.py").write_text(source)
    supply_locked_material(grading, run_b_dir)
    decoy = dict(facts, best_correct=facts["best_correct"] - max(3, facts["num_val"] // 40))
    (run_b_dir / "train_logs.txt").write_text(render_train_logs(**decoy, seed=2))
    write_subset_zip(data_dir / variant, run_b_dir / "data" / "BoolQ.zip", keep)
    run_b = grading.run(["python", "evaluate.py"], timeout=timeout, cwd=run_b_dir,
                        env={"BOOLQ_ZIP_URL": str(run_b_dir / "data" / "BoolQ.zip")})
    check_run(grading, "run B (hidden data, decoy log) reproduces the reference accuracy", run_b,
              run_b_dir / "eval_metrics.json", [ref_b["correct"][i] for i in keep], [ref_b["margins"][i] for i in keep])
