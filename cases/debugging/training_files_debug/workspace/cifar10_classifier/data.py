"""CIFAR-10 data for training: download, an 80/20 train/val split, transforms and loaders."""
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, random_split
from torchvision import transforms
from torchvision.datasets import CIFAR10

CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)


class CIFAR10DataModule(pl.LightningDataModule):
    """CIFAR-10 train/val/test loaders.

    - `prepare_data()` downloads the train and test sets into `data_dir`.
    - `setup('fit')` splits the training set 80/20 into `cifar_train` / `cifar_val` with `random_split`
      and `torch.Generator().manual_seed(42)`; `setup('test')` loads the test set as `cifar_test`.
    """

    def __init__(self, data_dir: str = "./data", batch_size: int = 32, num_workers: int = 2):
        super().__init__()
        self.data_dir = data_dir
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.train_transform = transforms.Compose([
            transforms.RandomHorizontalFlip(),
            transforms.RandomCrop(32, padding=4),
            transforms.ToTensor(),
            transforms.Normalize(CIFAR10_MEAN, CIFAR10_STD),
        ])
        self.eval_transform = transforms.Compose([
            transforms.ToTensor(),
            transforms.Normalize(CIFAR10_MEAN, CIFAR10_STD),
        ])

    def prepare_data(self):
        CIFAR10(self.data_dir, train=True, download=True)
        CIFAR10(self.data_dir, train=False, download=True)

    def setup(self, stage=None):
        if stage in ("fit", None):
            full = CIFAR10(self.data_dir, train=True, transform=self.train_transform)
            n_train = int(0.8 * len(full))
            self.cifar_train, self.cifar_val = random_split(
                full, [n_train, len(full) - n_train], generator=torch.Generator().manual_seed(42)
            )
            # Validation images must not be augmented.
            self.cifar_val.dataset.transform = self.eval_transform
        if stage in ("test", None):
            self.cifar_test = CIFAR10(self.data_dir, train=False, transform=self.eval_transform)

    def _loader(self, dataset, shuffle: bool) -> DataLoader:
        return DataLoader(dataset, batch_size=self.batch_size, shuffle=shuffle, num_workers=self.num_workers,
                          persistent_workers=self.num_workers > 0)

    def train_dataloader(self):
        return self._loader(self.cifar_train, shuffle=True)

    def val_dataloader(self):
        return self._loader(self.cifar_val, shuffle=False)

    def test_dataloader(self):
        return self._loader(self.cifar_test, shuffle=False)
