"""Oracle for basic_vision_finetuning: MobileNetV2 with a fresh 10-way head, two CIFAR-10 batches, save (also the
initial model, the first batch and the batches' indices, the evidence of the steps)."""
import json
import os

import torch
from torchvision import datasets, transforms
from transformers import AutoImageProcessor, AutoModelForImageClassification

MODEL_ID = "google/mobilenet_v2_1.0_224"
torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"

processor = AutoImageProcessor.from_pretrained(MODEL_ID)
crop = processor.crop_size
size = int(crop.height) if hasattr(crop, "height") else int(crop["height"] if isinstance(crop, dict) else crop)
model = AutoModelForImageClassification.from_pretrained(MODEL_ID, num_labels=10, ignore_mismatched_sizes=True).to(device)

tf = transforms.Compose([transforms.Resize((size, size)), transforms.ToTensor(),
                         transforms.Normalize(processor.image_mean, processor.image_std)])
train = datasets.CIFAR10(root="./data", train=True, download=True, transform=tf)
order = torch.randperm(len(train))[:32].tolist()
batch_indices = [order[:16], order[16:]]
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)

model.save_pretrained("initial_model")
model.train()
losses = []
for step, indices in enumerate(batch_indices):
    images = torch.stack([train[i][0] for i in indices])
    labels = torch.tensor([train[i][1] for i in indices])
    if step == 0:
        torch.save({"pixel_values": images, "labels": labels}, "first_batch.pt")
    out = model(pixel_values=images.to(device), labels=labels.to(device))
    optimizer.zero_grad()
    out.loss.backward()
    optimizer.step()
    losses.append(float(out.loss))
    print(f"step {step + 1}: loss {losses[-1]:.4f}")

model.save_pretrained("finetuned_model")
processor.save_pretrained("finetuned_model")
info = {
    "model_path": "finetuned_model",
    "initial_model_path": "initial_model",
    "model": {"name": MODEL_ID, "source": "huggingface", "parameters": sum(p.numel() for p in model.parameters())},
    "architecture": {"output_size": model.config.num_labels},
    "training": {"initial_loss": losses[0], "final_loss": losses[-1], "batch_indices": batch_indices},
}
with open("model_info.json", "w") as fh:
    json.dump(info, fh, indent=2)
print(json.dumps(info))
