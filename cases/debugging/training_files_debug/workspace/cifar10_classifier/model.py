"""The CIFAR-10 classifier: a small MobileNetV2 (timm) trained from scratch as a LightningModule."""
import pytorch_lightning as pl
import timm
import torch
import torch.nn as nn
import torchmetrics


class CIFAR10Classifier(pl.LightningModule):
    """Classify 32x32 RGB CIFAR-10 images into `num_classes` classes.

    The backbone is `timm.create_model('mobilenetv2_035', pretrained=False, num_classes=num_classes)`.
    Training uses cross-entropy and Adam with `learning_rate`.

    Logged metrics (names used by the training script's callbacks):
    - `train_loss`, `train_acc`: every step and averaged per epoch;
    - `val_loss`, `val_acc`: averaged over each validation epoch.
    """

    def __init__(self, num_classes: int = 10, learning_rate: float = 1e-3):
        super().__init__()
        self.save_hyperparameters()
        self.model = timm.create_model("mobilenetv2_035", pretrained=False, num_classes=num_classes)
        self.criterion = nn.CrossEntropyLoss()
        # Separate metric objects so train and val statistics never mix.
        self.train_acc = torchmetrics.Accuracy(task="multiclass", num_classes=num_classes)
        self.val_acc = torchmetrics.Accuracy(task="multiclass", num_classes=num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)

    def training_step(self, batch, batch_idx):
        images, labels = batch
        logits = self(images)
        loss = self.criterion(logits, labels)
        self.train_acc(logits.argmax(dim=1), labels)
        self.log("train_loss", loss, on_step=True, on_epoch=True, prog_bar=True)
        self.log("train_acc", self.train_acc, on_step=True, on_epoch=True, prog_bar=True)
        return loss

    def validation_step(self, batch, batch_idx):
        images, labels = batch
        logits = self(images)
        loss = self.criterion(logits, labels)
        self.val_acc(logits.argmax(dim=1), labels)
        self.log("val_loss", loss, on_step=False, on_epoch=True, prog_bar=True)
        self.log("val_acc", self.val_acc, on_step=False, on_epoch=True, prog_bar=True)
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.learning_rate)
