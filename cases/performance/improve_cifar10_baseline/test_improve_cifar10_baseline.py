"""Validator for improve_cifar10_baseline: the grader scores the last `lightning_checkpoints/*.ckpt` itself.

No agent code runs: a bounded copy of the checkpoint (the sorted-last `.ckpt` name, as the original grades) goes to
a judge, hidden/evaluate_checkpoint.py, which loads
it with `weights_only=True`, strictly into the grader's own `LightningCNN`, and computes top-1 accuracy on the
hidden test batch, which never enters the sandbox (the task bundle's `eval/`, or, in full, the real CIFAR-10
tarball of the grader's asset cache).
"""
import shutil
import tarfile

BUNDLE = "cifar10-improve"
TRAIN_FILES = [f"data_batch_{i}" for i in range(1, 6)] + ["batches.meta"]


def prepare_workspace(grading):
    """The training batches (no test batch) into data/, and the baseline checkpoint. smoke: both from the task
    bundle. full: the batches from the real CIFAR-10 tarball; the checkpoint from the full bundle (made once on a
    GPU by running train_baseline.py as shipped)."""
    bundle, target = grading.asset_reference(BUNDLE), grading.workspace / "data" / "cifar-10-batches-py"
    target.mkdir(parents=True, exist_ok=True)
    for name in TRAIN_FILES:
        if grading.profile == "smoke":
            shutil.copyfile(bundle / "cifar-10-batches-py" / name, target / name)
        else:
            with tarfile.open(grading.asset_reference("cifar-10") / "cifar-10-python.tar.gz") as tar:
                (target / name).write_bytes(tar.extractfile(f"cifar-10-batches-py/{name}").read())
        (target / name).chmod(0o644)
    shutil.copyfile(bundle / "pretrained_baseline.ckpt", grading.workspace / "pretrained_epoch_44.ckpt")
    (grading.workspace / "pretrained_epoch_44.ckpt").chmod(0o644)
    return {}


def test_improve_cifar10_baseline(grading):
    limit_mb, folder = grading.threshold("max_checkpoint_mb"), grading.path("lightning_checkpoints")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".ckpt")) if folder and folder.is_dir() else []
    graded = f"lightning_checkpoints/{names[-1] if names else '*.ckpt'}"
    copy = grading.collect(folder / names[-1], limit=int(limit_mb * 1e6)) / names[-1] if names else None
    if not grading.check(f"the last lightning_checkpoints/*.ckpt ({graded}) is a regular file of at most "
                         f"{limit_mb:g} MB", copy is not None and copy.is_file(),
                         "none, a symlink, not a regular file or too large"):
        return
    if grading.profile == "smoke":
        test, digest = grading.asset_reference(BUNDLE) / "eval" / "test_batch", []
    else:  # the archive as the asset store verified it at fetch
        test = grading.asset_reference("cifar-10") / "cifar-10-python.tar.gz"
        digest = [grading.asset_meta("cifar-10")["files"]["cifar-10-python.tar.gz"]["md5"]]
    result = grading.reference("evaluate_checkpoint.py", str(copy), str(test), *digest,
                               read=[copy.parent, test.parent], timeout=grading.threshold("eval_timeout_s"))
    grading.check(f"{graded} loads with torch.load(weights_only=True)", result["loaded"], result["error"])
    grading.check("its state dict loads strictly into the grader's LightningCNN with finite values",
                  result["strict"] and result["finite"], result["error"])
    target, acc = grading.threshold("target_acc"), grading.number(result["accuracy"])
    grading.check(f"top-1 accuracy on the hidden test split > {target:g} %", acc is not None and acc > target,
                  f"accuracy {acc if acc is None else round(acc, 2)} % on {result.get('num_images')} hidden images"
                  f"{'; ' + result['error'] if result['error'] else ''}",
                  value=acc)
