"""Train the CIFAR-10 classifier for 2 epochs on the CPU, with W&B logging and best-checkpoint saving.

Outputs (in the working directory):
- training.log: `run_id=<id>`, one `epoch=<e> val_loss=<x> val_acc=<y>` line per validation epoch, and
  `training complete` at the end;
- checkpoints/cifar10-epoch=EE-val_loss=L.LL.ckpt: the checkpoint with the lowest val_loss;
- wandb_info.json: {"project_id", "run_id", "run_url"};
- wandb/: the W&B run (offline when WANDB_MODE=offline).
"""
import json
import logging
import shutil

import wandb
from lightning.pytorch import Callback, Trainer, seed_everything
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
from lightning.pytorch.loggers import WandbLogger

from cifar10_classifier.data import CIFAR10DataModule
from cifar10_classifier.model import CIFAR10Classifier

PROJECT = "cifar10-training"
LOG_FILE = "training.log"
CHECKPOINT_DIR = "checkpoints"
MAX_EPOCHS = 2


class EpochLogger(Callback):
    """Write `epoch=<e> val_loss=<x> val_acc=<y>` to the log after every real validation epoch."""

    def on_validation_end(self, trainer, pl_module):
        if trainer.sanity_checking:
            return
        metrics = trainer.callback_metrics
        logging.info("epoch=%d val_loss=%.6f val_acc=%.6f", trainer.current_epoch,
                     float(metrics["val_loss"]), float(metrics["val_acc"]))


def make_callbacks(checkpoint_dir: str = CHECKPOINT_DIR) -> list:
    """Early stopping and best-checkpoint saving on val_loss, plus the per-epoch log line."""
    return [
        EarlyStopping(monitor="val_loss", patience=5, mode="min"),
        ModelCheckpoint(dirpath=checkpoint_dir, filename="cifar10-{epoch:02d}-{val_loss:.2f}", monitor="val_loss",
                        mode="min", save_top_k=1),
        EpochLogger(),
    ]


def main() -> None:
    logging.basicConfig(filename=LOG_FILE, filemode="w", level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s")
    shutil.rmtree(CHECKPOINT_DIR, ignore_errors=True)
    seed_everything(42)

    wandb_logger = WandbLogger(project=PROJECT, log_model=False)
    run = wandb_logger.experiment
    logging.info("run_id=%s", run.id)

    datamodule = CIFAR10DataModule(batch_size=32)
    model = CIFAR10Classifier()
    trainer = Trainer(max_epochs=MAX_EPOCHS, accelerator="cpu", logger=wandb_logger, callbacks=make_callbacks())
    trainer.fit(model, datamodule=datamodule)

    try:
        run_url = run.url
    except Exception:  # offline runs have no URL
        run_url = None
    with open("wandb_info.json", "w") as fh:
        json.dump({"project_id": PROJECT, "run_id": run.id, "run_url": run_url}, fh, indent=2)
    logging.info("training complete")
    wandb.finish()


if __name__ == "__main__":
    main()
