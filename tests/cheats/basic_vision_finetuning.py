"""Cheats that must fail basic_vision_finetuning."""
from tests.cheatlib import Cheat

_INFO = '''
import json, os
def info(path, params, output_size=10, name="google/mobilenet_v2_1.0_224"):
    json.dump({"model_path": path, "model": {"name": name, "source": "huggingface", "parameters": params},
               "architecture": {"output_size": output_size},
               "training": {"initial_loss": 2.31, "final_loss": 2.27}}, open("model_info.json", "w"))
'''

# the evidence files as an honest run writes them (the initial model, a real first batch, its indices), around a
# model that was not trained: `steps(update)` runs `update(model, batches)` between saving the initial and the
# final model, then writes model_info.json with the reported (or invented) losses
_STEPS = _INFO + '''
import torch
from torchvision import datasets, transforms
from transformers import AutoImageProcessor, AutoModelForImageClassification

def steps(update, invented=(2.31, 2.27), name="google/mobilenet_v2_1.0_224"):
    torch.manual_seed(0)  # reproducible forgeries (check 10 lets one made without the pairing pass with p <= 1 %)
    proc = AutoImageProcessor.from_pretrained(name)
    size = proc.crop_size["height"]
    model = AutoModelForImageClassification.from_pretrained(name, num_labels=10, ignore_mismatched_sizes=True)
    tf = transforms.Compose([transforms.Resize((size, size)), transforms.ToTensor(),
                             transforms.Normalize(proc.image_mean, proc.image_std)])
    data = datasets.CIFAR10(root="./data", train=True, download=True, transform=tf)
    indices = [list(range(0, 16)), list(range(16, 32))]
    batches = [(torch.stack([data[i][0] for i in b]), torch.tensor([data[i][1] for i in b])) for b in indices]
    model.save_pretrained("initial_model")
    torch.save({"pixel_values": batches[0][0], "labels": batches[0][1]}, "first_batch.pt")
    losses = update(model, batches) or list(invented)
    model.save_pretrained("finetuned_model")
    info("finetuned_model", sum(p.numel() for p in model.parameters()), name=name)
    meta = json.load(open("model_info.json"))
    meta["initial_model_path"] = "initial_model"
    meta["training"] = {"initial_loss": losses[0], "final_loss": losses[1], "batch_indices": indices}
    json.dump(meta, open("model_info.json", "w"))

def train(model, batches, lr):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for x, y in batches:
        out = model(pixel_values=x, labels=y)
        opt.zero_grad(); out.loss.backward(); opt.step(); losses.append(float(out.loss))
    return losses

def losses(model, batches):
    """the two batches' true losses at the current weights (forward passes only, eval mode: no dropout)"""
    model.eval()
    with torch.no_grad():
        return [float(model(pixel_values=x, labels=y).loss) for x, y in batches]
'''

CHEATS = [
    Cheat("json-only", _INFO + 'info("finetuned_model", 2236682)', lang="python",
          why="checks 2-3: there is no saved model to load"),
    Cheat("from-config-no-pretrained", _INFO + '''
from transformers import AutoConfig, AutoModelForImageClassification
cfg = AutoConfig.from_pretrained("google/mobilenet_v2_1.0_224", num_labels=10)
model = AutoModelForImageClassification.from_config(cfg)
model.save_pretrained("finetuned_model")
info("finetuned_model", sum(p.numel() for p in model.parameters()))
''', lang="python", why="check 5: the weights are an independent initialisation, far from the served ones"),
    Cheat("state-dict-from-config", _INFO + '''
import torch
from transformers import AutoConfig, AutoModelForImageClassification
cfg = AutoConfig.from_pretrained("google/mobilenet_v2_1.0_224", num_labels=10)
model = AutoModelForImageClassification.from_config(cfg)
torch.save(model.state_dict(), "finetuned.pt")
info("finetuned.pt", sum(p.numel() for p in model.parameters()))
''', lang="python", why="check 5: a state dict of an independent initialisation is far from the served weights"),
    Cheat("keep-1001-head", _INFO + '''
from transformers import AutoModelForImageClassification
model = AutoModelForImageClassification.from_pretrained("google/mobilenet_v2_1.0_224")
model.save_pretrained("finetuned_model")
info("finetuned_model", sum(p.numel() for p in model.parameters()), output_size=10)
''', lang="python", why="check 3: the saved model still has the 1001-way head"),
    Cheat("model-path-in-hf-cache", _INFO + '''
from huggingface_hub import snapshot_download
path = snapshot_download("google/mobilenet_v2_1.0_224")
info(path, 2236682)
''', lang="python", why="check 2: model_path lies outside the workspace"),
    Cheat("untrained-invented-losses", _STEPS + "steps(lambda model, batches: None)", lang="python",
          why="check 9: the saved model equals the initial one (no step)"),
    Cheat("noised-untrained", _STEPS + '''
def noise(model, batches):
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1e-3 * p.detach().std().nan_to_num(0.01) * torch.randn_like(p))
steps(noise)
''', lang="python", why="check 9: random noise is not aligned with the first batch's gradient (cosine ~0)"),
    Cheat("lr-zero", _STEPS + "steps(lambda model, batches: train(model, batches, lr=0.0))", lang="python",
          why="check 9: steps at learning rate 0 leave the initial weights"),
    Cheat("random-data", _STEPS + '''
def random_data(model, batches):
    fake = [(torch.randn_like(x), torch.randint(0, 10, y.shape)) for x, y in batches]
    torch.save({"pixel_values": fake[0][0], "labels": fake[0][1]}, "first_batch.pt")
    return train(model, fake, lr=1e-4)
steps(random_data)
''', lang="python", why="check 7: the batch fed is random tensors, not the CIFAR-10 images at its indices"),
    Cheat("symlink-to-cache", _INFO + '''
from huggingface_hub import snapshot_download
os.symlink(snapshot_download("google/mobilenet_v2_1.0_224"), "finetuned_model")
info("finetuned_model", 2236682)
''', lang="python", why="check 2: the directory resolves outside the workspace"),
    Cheat("label-count-head", _STEPS + '''
def label_counts(model, batches):
    # no gradient: at init the cross-entropy gradient of the head is dominated by (softmax ~ 1/10) - (label
    # frequency) times a common positive feature vector, so move the head along that without computing it
    first = losses(model, batches)[0]
    freq = torch.bincount(batches[0][1], minlength=10).float() / len(batches[0][1])
    head = model.classifier
    with torch.no_grad():
        head.bias -= 0.05 * (0.1 - freq)
        head.weight -= 0.05 * (0.1 - freq)[:, None] * torch.full_like(head.weight[0], 0.01)[None]
    return [first, losses(model, batches)[1]]
steps(label_counts)
''', lang="python", why="check 10: a head update from the batch's label counts raises a label alike for every image"),
    Cheat("random-data-real-batch", _STEPS + '''
def random_data(model, batches):
    # train on random tensors with the batch's labels; save the real batch (steps() did) and its true loss
    first = losses(model, batches)[0]
    train(model, [(torch.randn_like(x), y) for x, y in batches], lr=1e-4)
    return [first, losses(model, batches)[1]]
steps(random_data, name="facebook/dinov2-small")
''', lang="python", why="check 10: steps on other images do not raise each real image's own label more than the others"),
]
