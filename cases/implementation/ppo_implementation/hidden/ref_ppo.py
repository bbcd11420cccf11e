"""Reference PPO maths written from the formulas (float64): densities, entropies, returns, loss."""
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


def normalised_returns(rewards, terminals, gamma):
    """Discounted Monte-Carlo returns reset at terminal steps, then (G - mean) / (std + 1e-7)."""
    returns = [0.0] * len(rewards)
    running = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        if terminals[t]:
            running = 0.0
        running = float(rewards[t]) + gamma * running
        returns[t] = running
    g = torch.tensor(returns, dtype=torch.float64)
    return (g - g.mean()) / (g.std() + 1e-7)


def log_prob_and_entropy(policy, states, actions, continuous, action_var=None):
    """Log-probabilities and entropies of actions under the policy's actor (float64 maths)."""
    out = policy.actor(states)
    if continuous:
        var = action_var.to(out.device)
        return gaussian_logprob(out, var.expand_as(out), actions), gaussian_entropy(var, len(states))
    return categorical_logprob(out, actions), categorical_entropy(out)


def ppo_loss(policy, states, actions, old_logprobs, old_values, returns, eps_clip, continuous,
             action_var=None):
    """Mean of -min(r*A, clip(r)*A) + 0.5*MSE(V, G) - 0.01*entropy, with A = G - old values."""
    logprobs, entropy = log_prob_and_entropy(policy, states, actions, continuous, action_var)
    values = policy.critic(states).double().reshape(-1)
    advantages = returns - old_values
    ratio = torch.exp(logprobs - old_logprobs)
    clipped = torch.clamp(ratio, 1 - eps_clip, 1 + eps_clip)
    surrogate = torch.minimum(ratio * advantages, clipped * advantages)
    mse = ((values - returns) ** 2).mean()
    return (-surrogate + 0.5 * mse - 0.01 * entropy).mean()
