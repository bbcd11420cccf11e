"""Reference PPO maths written from the formulas (float64): densities and entropies."""
import math

import torch


def gaussian_logprob(mean, var, action):
    """log N(action; mean, diag(var)) summed over the last dimension."""
    mean, var, action = mean.double(), var.double(), action.double()
    return -0.5 * (((action - mean) ** 2) / var + torch.log(2 * math.pi * var)).sum(-1)


def gaussian_entropy(var, n):
    """Entropy 0.5 * sum(log(2*pi*e*var)) of a diagonal Gaussian, repeated n times."""
    value = 0.5 * torch.log(2 * math.pi * math.e * var.double()).sum()
    return value.expand(n)


def categorical_logprob(probs, action):
    probs = probs.double()
    return torch.log(probs.gather(-1, action.long().reshape(-1, 1)).squeeze(-1))


def categorical_entropy(probs):
    probs = probs.double()
    return -(probs * torch.log(probs)).sum(-1)


def log_prob_and_entropy(policy, states, actions, continuous, action_var=None):
    """Log-probabilities and entropies of actions under the policy's actor (float64 maths)."""
    out = policy.actor(states)
    if continuous:
        var = action_var.to(out.device)
        return gaussian_logprob(out, var.expand_as(out), actions), gaussian_entropy(var, len(states))
    return categorical_logprob(out, actions), categorical_entropy(out)
