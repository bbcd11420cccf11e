"""Train with the settings in config.json and check that validation accuracy is meaningful and improves."""
import json
import sys

from train import run_training


def load_config(path="config.json"):
    with open(path) as f:
        return json.load(f)


def main() -> int:
    config = load_config()
    run_training(**config)

    with open("train_metrics.json") as f:
        metrics = json.load(f)
    history, best_val_acc = metrics["metrics_history"], metrics["best_val_acc"]
    assert len(history) == config["num_epochs"] == 2, f"expected 2 epochs of metrics, got {len(history)}"
    assert best_val_acc > 30, f"best validation accuracy {best_val_acc:.2f}% is not above 30%"
    assert history[-1]["val_acc"] > history[0]["val_acc"], \
        f"validation accuracy did not improve: {history[0]['val_acc']:.2f}% then {history[-1]['val_acc']:.2f}%"

    print("Training ran successfully")
    return 0


if __name__ == "__main__":
    sys.exit(main())
