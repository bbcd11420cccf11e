"""How best_checkpoint/ was produced: fine-tuning TinyBERT (4 layers, hidden 312) on BoolQ.

Kept for reference; evaluation does not run it. The printed lines are what train_logs.txt records.
"""
import torch
from torch.utils.data import DataLoader
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

from utils import load_boolq_datasets

MODEL_ID = "huawei-noah/TinyBERT_General_4L_312D"
OUTPUT_DIR = "./best_checkpoint"
EPOCHS = 10
BATCH_SIZE = 32
LEARNING_RATE = 3e-5
MAX_LENGTH = 256


def evaluate(model, loader, device):
    """Mean loss and (correct, total) on a labelled loader."""
    model.eval()
    total_loss, correct, total = 0.0, 0, 0
    with torch.no_grad():
        for batch in loader:
            batch = {key: value.to(device) for key, value in batch.items()}
            outputs = model(**batch)
            total_loss += outputs.loss.item()
            correct += (outputs.logits.argmax(dim=-1) == batch["labels"]).sum().item()
            total += batch["labels"].size(0)
    return total_loss / len(loader), correct, total


def main():
    torch.manual_seed(42)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
    train_data, val_data = load_boolq_datasets(["train", "validation"], tokenizer, max_length=MAX_LENGTH)
    train_loader = DataLoader(train_data, batch_size=BATCH_SIZE, shuffle=True)
    val_loader = DataLoader(val_data, batch_size=BATCH_SIZE, shuffle=False)
    print(f"Loaded {len(train_data)} training and {len(val_data)} validation examples")

    model = AutoModelForSequenceClassification.from_pretrained(MODEL_ID, num_labels=2).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    steps = EPOCHS * len(train_loader)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(0.1 * steps), steps)

    best_accuracy, best_epoch = -1.0, 0
    for epoch in range(1, EPOCHS + 1):
        model.train()
        running_loss = 0.0
        for batch in train_loader:
            batch = {key: value.to(device) for key, value in batch.items()}
            loss = model(**batch).loss
            loss.backward()
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            running_loss += loss.item()
        val_loss, correct, total = evaluate(model, val_loader, device)
        accuracy = 100.0 * correct / total
        print(f"Epoch {epoch}/{EPOCHS} - train loss: {running_loss / len(train_loader):.4f} - "
              f"val loss: {val_loss:.4f} - val accuracy: {accuracy:.2f}% ({correct}/{total})")
        if accuracy > best_accuracy:
            best_accuracy, best_epoch = accuracy, epoch
            model.save_pretrained(OUTPUT_DIR)
            tokenizer.save_pretrained(OUTPUT_DIR)
    print(f"Best validation accuracy: {best_accuracy:.2f}% at epoch {best_epoch}")


if __name__ == "__main__":
    main()
