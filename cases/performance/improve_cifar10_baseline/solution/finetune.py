"""Oracle: fine-tune pretrained_epoch_44.ckpt with a better optimiser schedule; same architecture.

AdamW (lr 1e-3, weight decay 5e-4) with a per-step cosine decay to 0, on the whole training set (train slice
plus the local validation slice), then the final weights are saved as
lightning_checkpoints/cifar10-finetuned.ckpt.
"""
import argparse
import math
import os

import lightning.pytorch as pl
import torch
from torch.utils.data import ConcatDataset, DataLoader

from train_baseline import CIFAR10DataModule, CIFAR10Slice, LightningCNN, load_cifar10, train_transform


class Finetune(LightningCNN):
    total_steps = 1

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.parameters(), lr=1e-3, weight_decay=5e-4)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda step: 0.5 * (1 + math.cos(math.pi * min(step, self.total_steps) / self.total_steps)))
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


class AllData(CIFAR10DataModule):
    def setup(self, stage=None):
        super().setup(stage)
        self.train_set = ConcatDataset([self.train_set, CIFAR10Slice(*load_cifar10(self.root, "val"), train_transform())])

    def train_dataloader(self):
        return DataLoader(self.train_set, batch_size=self.batch_size, shuffle=True, num_workers=self.num_workers)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch_size", type=int, default=128)
    args = parser.parse_args()
    pl.seed_everything(0)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    model = Finetune.load_from_checkpoint("pretrained_epoch_44.ckpt", map_location="cpu", weights_only=True)
    data = AllData(batch_size=args.batch_size)
    data.setup()
    Finetune.total_steps = args.epochs * math.ceil(len(data.train_set) / args.batch_size)
    trainer = pl.Trainer(max_epochs=args.epochs, accelerator="auto", devices=1, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(model, data)
    trainer.save_checkpoint("lightning_checkpoints/cifar10-finetuned.ckpt", weights_only=True)
    print("saved lightning_checkpoints/cifar10-finetuned.ckpt")


if __name__ == "__main__":
    main()
