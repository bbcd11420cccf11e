"""Train with the settings in config.json and check that validation accuracy is meaningful.

Grader copy: as the visible script, plus a last step that writes what it checked to $MLDB_REPORT.
"""
import json
import os
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

    print("Training ran successfully")
    report = os.environ.get("MLDB_REPORT")
    if report:
        with open(report, "w") as f:
            json.dump({"config": config, "best_val_acc": best_val_acc, "epochs": len(history)}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
