"""Validator for improve_cifar10_baseline: the grader scores `final_model.ckpt` itself.

No agent code runs: the hidden `evaluate_checkpoint.py` loads the file with `weights_only=True`, loads the
state dict strictly into the grader's own `LightningCNN` and computes top-1 accuracy on the hidden test
batch, which never enters the sandbox (it lives in the task bundle's `eval/`, or, in full, in the real
CIFAR-10 tarball of the grader's asset cache).
"""
import hashlib
import shutil
import tarfile

from pytest_mldevbench.errors import InfrastructureError

BUNDLE = "cifar10-improve"
TRAIN_FILES = [f"data_batch_{i}" for i in range(1, 6)] + ["batches.meta"]
REAL_TEST_MD5 = "40351d587109b95175f43aff81a1287e"  # test_batch of the real cifar-10-python.tar.gz


def _copy(src, dest):
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    dest.chmod(0o644)


def prepare_workspace(trial):
    """The training batches (no test batch) into data/, and the baseline checkpoint.

    smoke: both from the task bundle. full: the batches from the real CIFAR-10 tarball; the checkpoint from
    the full bundle, which is produced once on a GPU by running train_baseline.py as shipped."""
    bundle = trial.asset_reference(BUNDLE)
    target = trial.workspace / "data" / "cifar-10-batches-py"
    if trial.profile == "smoke":
        for name in TRAIN_FILES:
            _copy(bundle / "cifar-10-batches-py" / name, target / name)
    else:
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(trial.asset_reference("cifar-10") / "cifar-10-python.tar.gz") as tar:
            for name in TRAIN_FILES:
                (target / name).write_bytes(tar.extractfile(f"cifar-10-batches-py/{name}").read())
                (target / name).chmod(0o644)
    _copy(bundle / "pretrained_baseline.ckpt", trial.workspace / "pretrained_baseline.ckpt")
    return {}


def hidden_test_batch(trial, dest):
    """Put the hidden test batch at `dest` (grader side, after the agent has stopped)."""
    if trial.profile == "smoke":
        _copy(trial.asset_reference(BUNDLE) / "eval" / "test_batch", dest)
        return
    tarball = trial.asset_reference("cifar-10") / "cifar-10-python.tar.gz"
    with tarfile.open(tarball) as tar:
        data = tar.extractfile("cifar-10-batches-py/test_batch").read()
    if hashlib.md5(data).hexdigest() != REAL_TEST_MD5:
        raise InfrastructureError("the real CIFAR-10 test_batch does not match its MD5")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)


def test_improve_cifar10_baseline(trial):
    target = trial.threshold("target_acc")
    limit_mb = trial.threshold("max_checkpoint_mb")
    ckpt = trial.snapshot / "final_model.ckpt"
    regular = ckpt.is_file() and not ckpt.is_symlink()
    size_mb = ckpt.stat().st_size / 1e6 if regular else None
    present = trial.check(f"final_model.ckpt exists as a regular file of at most {limit_mb:g} MB",
                          regular and size_mb <= limit_mb,
                          "missing or a symlink" if not regular else f"{size_mb:.1f} MB")
    result = {"loaded": False, "strict": False, "finite": False, "accuracy": None, "error": "not evaluated"}
    if present:
        work = trial.grading_dir
        grader_dir = work / "_grader_eval"
        if grader_dir.is_dir() and not grader_dir.is_symlink():
            shutil.rmtree(grader_dir)
        elif grader_dir.exists() or grader_dir.is_symlink():
            grader_dir.unlink()
        grader_dir.mkdir()
        shutil.copyfile(ckpt, grader_dir / "final_model.ckpt")
        hidden_test_batch(trial, grader_dir / "test_batch")
        result = trial.run_hidden_python("evaluate_checkpoint.py", "_grader_eval/final_model.ckpt",
                                         "_grader_eval/test_batch", timeout=trial.threshold("eval_timeout_s"))
    trial.check("final_model.ckpt loads with torch.load(weights_only=True)", result["loaded"], result["error"])
    trial.check("state dict loads strictly into the grader's LightningCNN with finite values",
                result["strict"] and result["finite"], result["error"])
    acc = result["accuracy"]
    trial.check(f"top-1 accuracy on the hidden test split >= {target:g} %", acc is not None and acc >= target,
                f"accuracy {acc if acc is None else round(acc, 2)} % on {result.get('num_images')} hidden images",
                value=acc)
