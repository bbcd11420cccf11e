"""Judge of training_files_debug (trusted: runs no agent code). It needs the served CIFAR-10, so it runs through
judge_with_data.py (a judge script given the asset) rather than grading.judge. Against the reference model,
split and transforms (eval_ckpt.py) it checks the agent's classifier on drawn weights, the data module's
splits, transforms and loaders, and the val metrics a short fit logged, recomputed from the fitted weights."""
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


def augmentations(image):
    """Every RandomHorizontalFlip + RandomCrop(32, padding=4) of a normalised image (zero padding before Normalize)."""
    fill = torch.tensor([-m / s for m, s in zip(CIFAR10_MEAN, CIFAR10_STD)]).view(3, 1, 1)
    padded = fill.expand(3, 40, 40).clone()
    padded[:, 4:36, 4:36] = image
    crops = [padded[:, y:y + 32, x:x + 32] for y in range(9) for x in range(9)]
    return torch.stack(crops + [c.flip(-1) for c in crops])


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
    with checks.check("train items are randomly flipped and cropped (RandomCrop(32, padding=4)) and the train loader "
                      "shuffles; val items and the val loader are not"):
        got = observed.need("data")
        plain = CIFAR10(data_dir, train=True, transform=val.dataset.transform)
        for s, items in enumerate(got["augmented"]):
            for i, image in enumerate(items):
                candidates = augmentations(plain[train_idx[i]][0])
                assert ((candidates - image).abs().flatten(1).amax(1) < 1e-5).any(), \
                    f"seed {s}, train item {i} is not a flip/crop of its image"
        differing = sum(not torch.equal(a, b) for a, b in zip(*got["augmented"]))
        assert differing >= 6, f"only {differing} of 8 train items change between seeds: training is not augmented"
        first, second = got["train_batches"]
        assert not torch.equal(first, second), "the train loader gives the same first batch under two seeds"
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
