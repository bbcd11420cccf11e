"""Fit y = 2x + 1 with a single linear unit and full-batch gradient descent."""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(42)
np.random.seed(42)

# 50 evenly spaced inputs and noisy targets of a known line.
X = torch.linspace(0, 100, 50).reshape(-1, 1)
y = 2 * X + 1 + 0.1 * torch.randn(50, 1)


class SimpleModel(nn.Module):
    """One input, one output: y_hat = w * x + b."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x):
        return self.linear(x)


model = SimpleModel()
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)


def train(callback=None):
    """Run 20 full-batch steps; return the loss of each step (taken before the update)."""
    losses = []
    for step in range(20):
        optimizer.zero_grad()
        prediction = model(X)
        loss = criterion(prediction, y)
        loss.backward()
        optimizer.step()
        value = loss.item()
        losses.append(value)
        if callback is not None:
            callback(value)
        print(f"step {step + 1:2d}/20  loss {value:.6g}")
    return losses


if __name__ == "__main__":
    train()
