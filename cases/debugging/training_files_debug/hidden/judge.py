"""Judge of training_files_debug (trusted: runs no agent code). It needs the served CIFAR-10, so it runs through
judge_with_data.py (a judge script given the asset) rather than grading.judge. Against the reference model,
split and transforms (eval_ckpt.py) it checks the agent's classifier on drawn weights, the data module's
splits, val transform and val loader, and the val metrics a short fit logged, recomputed from the fitted weights.
(The train split's transform is not judged: the given code sets the val transform on the dataset both splits
share, as the original does, and the original's reference solution keeps that.)"""
import torch
import torch.nn.functional as F
from mldb_judge import Checks, close
from torch.utils.data import random_split
from torchvision.datasets import CIFAR10

from eval_ckpt import CIFAR10_MEAN, CIFAR10_STD, reference_model, reference_split


def inputs(seed, profile):
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(int(torch.randint(2**31, (1,), generator=generator)))
    backbone = reference_model()
    with torch.no_grad():
        for name, b in backbone.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(torch.randn(b.shape, generator=generator) * 0.1)
            elif name.endswith("running_var"):
                b.copy_(torch.rand(b.shape, generator=generator) + 0.5)
    return {"probes": ["model", "data", "fit"], "backbone": backbone.state_dict(),
            "x": torch.randn(4, 3, 32, 32, generator=generator),
            "seeds": torch.randint(2**31, (2,), generator=generator).tolist(),
            "fractions": torch.rand(32, generator=generator, dtype=torch.float64).tolist()}


def judge(inputs, observed, profile, data_dir):
    checks = Checks()
    n_train, val = reference_split(data_dir)
    with checks.check("CIFAR10Classifier is a Lightning 2 module around timm's mobilenetv2_035 (its logits equal "
                      "the reference's on weights drawn at grading)"):
        got = observed.need("model")
        assert got["lightning_module"], "CIFAR10Classifier is not a lightning.pytorch.LightningModule"
        reference = reference_model()
        reference.load_state_dict(inputs["backbone"])
        with torch.no_grad():
            close(got["logits"], reference.eval()(inputs["x"]), rtol=1e-4, atol=1e-5, scale_atol=True, what="logits")
    with checks.check("setup('fit') splits 80/20 with seed 42; val images are only ToTensor + Normalize"):
        got = observed.need("data")
        assert (got["n_train"], got["n_val"]) == (n_train, len(val)), \
            f"split sizes {got['n_train']}/{got['n_val']}, expected {n_train}/{len(val)}"
        train_idx = random_split(range(n_train + len(val)), [n_train, len(val)],
                                 generator=torch.Generator().manual_seed(42))[0].indices
        labels = CIFAR10(data_dir, train=True).targets
        for f, (image, label) in zip(inputs["fractions"], got["val"]):
            want_image, want_label = val[int(f * len(val))]
            assert label == want_label, f"val item {int(f * len(val))}: label {label}, expected {want_label}"
            close(image, want_image, rtol=0, atol=1e-5, what=f"val item {int(f * len(val))}")
        want = [labels[train_idx[int(f * n_train)]] for f in inputs["fractions"]]
        assert got["train_labels"] == want, "the train split's labels differ from the seed-42 80/20 split's"
    with checks.check("the val loader gives the val split in order (the short fit's val batches are these)"):
        got = observed.need("data")
        want = torch.tensor([val[i][1] for i in range(len(got["val_batch"]))])
        assert torch.equal(got["val_batch"], want), "the val loader's first batch is not the val split in order"
    with checks.check("a short fit with the given callbacks logs val_loss and val_acc equal to the recomputation "
                      "from the fitted weights"):
        got = observed.need("fit")
        model = reference_model()
        model.load_state_dict(got["state_dict"], strict=True)
        images = torch.stack([val[i][0] for i in range(64)])
        targets = torch.tensor([val[i][1] for i in range(64)])
        with torch.no_grad():
            logits = model.eval()(images)
        close(got["val_loss"], F.cross_entropy(logits, targets), rtol=1e-4, atol=1e-5, what="val_loss")
        close(got["val_acc"], (logits.argmax(1) == targets).float().mean(), rtol=0, atol=1e-6, what="val_acc")
    return checks
