"""Training evidence in a saved Adam checkpoint, importable as `adam_evidence` in a judge process only.

A checkpoint's counters, moments and even small weight changes can be written by hand. What a forger cannot
write without training is a displacement from the known initial weights that points where Adam steps: each
Adam step moves a parameter by -lr * m_hat / (sqrt(v_hat) + eps), and the last steps' direction (the saved
moments, an EMA over about ten recent gradients) keeps the sign of the gradients that moved the weights.

    from adam_evidence import adam_alignment
    figures = adam_alignment(trained_params, initial_params, optimizer_state, param_group)

The initial weights must be known whatever the agent's code drew before or around building the network: e.g.
BatchNorm weights and biases, which timm and torchvision initialise to 1 and 0 whatever the seed (a seeded
rebuild of the whole network breaks as soon as a correct solution draws in another order). An untrained network
then has displacement 0, and noise added to it (or moments drawn at random) gives a cosine near 0
(1/sqrt(#parameters) in spread).
"""
from __future__ import annotations

import torch


def adam_direction(state: dict, group: dict) -> torch.Tensor | None:
    """The bias-corrected step direction m_hat / (sqrt(v_hat) + eps) of one parameter's saved Adam state, or
    None when the state is missing, malformed or not finite."""
    try:
        step = float(state["step"])
        m, v = state["exp_avg"].double(), state["exp_avg_sq"].double()
        beta1, beta2 = (float(b) for b in group.get("betas", (0.9, 0.999)))
        eps = float(group.get("eps", 1e-8))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if step < 1 or m.shape != v.shape or not (m.isfinite().all() and v.isfinite().all()) or (v < 0).any():
        return None
    return (m / (1 - beta1 ** step)) / ((v / (1 - beta2 ** step)).sqrt() + eps)


def adam_alignment(params: list[torch.Tensor], initial: list[torch.Tensor], states: list[dict | None],
                   group: dict) -> dict:
    """Figures on how the trained `params` moved from `initial` (same order and shapes) against the saved Adam
    state of each (`states`, None where missing), over all parameters together:

    - displacement: |params - initial| (L2);
    - moved_fraction: the share of parameter tensors that differ from their initial values at all;
    - alignment: cosine(params - initial, -direction), direction the bias-corrected Adam step of each; 0 when
      any state is missing or malformed (the check then fails on the figure, never on an exception)."""
    deltas, directions, moved = [], [], 0
    for p, p0, state in zip(params, initial, states, strict=True):
        delta = (p.detach().double() - p0.detach().double()).reshape(-1)
        moved += bool(delta.any())
        deltas.append(delta)
        direction = adam_direction(state, group) if isinstance(state, dict) else None
        if direction is None or direction.numel() != delta.numel():
            directions = None
        elif directions is not None:
            directions.append(direction.reshape(-1))
    delta = torch.cat(deltas) if deltas else torch.zeros(1, dtype=torch.float64)
    alignment = 0.0
    if directions:
        direction = torch.cat(directions)
        denom = (delta.norm() * direction.norm()).item()
        alignment = float(-(delta @ direction).item() / denom) if denom > 0 else 0.0
    return {"displacement": float(delta.norm()), "moved_fraction": moved / max(1, len(params)),
            "alignment": alignment if torch.isfinite(torch.tensor(alignment)) else 0.0}
