"""Proximal Policy Optimization (PPO) with an actor-critic network.

Given: ``RolloutBuffer``, the networks built in ``ActorCritic.__init__``, ``set_action_std``,
``PPO.__init__``, ``save`` and ``load``. To implement: ``ActorCritic.act``,
``ActorCritic.evaluate``, ``PPO.select_action`` and ``PPO.update`` (see their docstrings).
"""
import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical, MultivariateNormal


class RolloutBuffer:
    """Transitions collected since the last update, one entry per environment step."""

    def __init__(self):
        self.actions = []
        self.states = []
        self.logprobs = []
        self.rewards = []
        self.state_values = []
        self.is_terminals = []

    def clear(self):
        del self.actions[:]
        del self.states[:]
        del self.logprobs[:]
        del self.rewards[:]
        del self.state_values[:]
        del self.is_terminals[:]


class ActorCritic(nn.Module):
    """Policy network (actor) and state-value network (critic)."""

    def __init__(self, state_dim, action_dim, action_std_init, continuous_action_space=True):
        super().__init__()
        self.continuous_action_space = continuous_action_space
        self.action_dim = action_dim
        if continuous_action_space:
            self.action_var = torch.full((action_dim,), action_std_init * action_std_init)
            self.actor = nn.Sequential(
                nn.Linear(state_dim, 64), nn.Tanh(),
                nn.Linear(64, 64), nn.Tanh(),
                nn.Linear(64, action_dim), nn.Tanh(),
            )
        else:
            self.actor = nn.Sequential(
                nn.Linear(state_dim, 64), nn.Tanh(),
                nn.Linear(64, 64), nn.Tanh(),
                nn.Linear(64, action_dim), nn.Softmax(dim=-1),
            )
        self.critic = nn.Sequential(
            nn.Linear(state_dim, 64), nn.Tanh(),
            nn.Linear(64, 64), nn.Tanh(),
            nn.Linear(64, 1),
        )

    def set_action_std(self, new_action_std):
        if self.continuous_action_space:
            self.action_var = torch.full((self.action_dim,), new_action_std * new_action_std)

    def forward(self):
        raise NotImplementedError("use act() or evaluate()")

    def act(self, state):
        """Sample an action for one state; return ``(action, action_logprob, state_value)``, all detached.

        Continuous: a multivariate normal with mean ``actor(state)`` and covariance
        ``diag(action_var)``. Discrete: a categorical distribution with probabilities ``actor(state)``.
        ``state_value`` is ``critic(state)``.
        """
        if self.continuous_action_space:
            action_mean = self.actor(state)
            cov_mat = torch.diag(self.action_var.to(action_mean)).unsqueeze(dim=0)
            dist = MultivariateNormal(action_mean, cov_mat)
        else:
            dist = Categorical(self.actor(state))
        action = dist.sample()
        action_logprob = dist.log_prob(action)
        state_val = self.critic(state)
        return action.detach(), action_logprob.detach(), state_val.detach()

    def evaluate(self, state, action):
        """For a batch of states (N, state_dim) and actions, return ``(action_logprobs (N,),
        state_values (N, 1), dist_entropy (N,))`` under the current networks (with gradients).

        Same distributions as ``act``. In the continuous case with ``action_dim == 1`` the actions
        may come as a 1-D batch of shape (N,).
        """
        if self.continuous_action_space:
            action_mean = self.actor(state)
            action_var = self.action_var.to(action_mean).expand_as(action_mean)
            dist = MultivariateNormal(action_mean, torch.diag_embed(action_var))
            if self.action_dim == 1:
                action = action.reshape(-1, self.action_dim)
        else:
            dist = Categorical(self.actor(state))
        return dist.log_prob(action), self.critic(state), dist.entropy()


class PPO:
    """PPO agent with a clipped surrogate objective."""

    def __init__(self, state_dim, action_dim, lr_actor=3e-4, lr_critic=1e-3, gamma=0.99, K_epochs=4,
                 eps_clip=0.2, action_std_init=0.6, continuous_action_space=True):
        self.continuous_action_space = continuous_action_space
        if continuous_action_space:
            self.action_std = action_std_init
        self.gamma = gamma
        self.eps_clip = eps_clip
        self.K_epochs = K_epochs

        self.buffer = RolloutBuffer()
        self.policy = ActorCritic(state_dim, action_dim, action_std_init, continuous_action_space)
        self.optimizer = torch.optim.Adam([
            {"params": self.policy.actor.parameters(), "lr": lr_actor},
            {"params": self.policy.critic.parameters(), "lr": lr_critic},
        ])
        self.policy_old = ActorCritic(state_dim, action_dim, action_std_init, continuous_action_space)
        self.policy_old.load_state_dict(self.policy.state_dict())
        self.MseLoss = nn.MSELoss()

    def set_action_std(self, new_action_std):
        if self.continuous_action_space:
            self.action_std = new_action_std
            self.policy.set_action_std(new_action_std)
            self.policy_old.set_action_std(new_action_std)

    def select_action(self, state):
        """Choose an action for one environment state and record the step in ``self.buffer``.

        Convert ``state`` to a float tensor, sample with ``self.policy_old.act`` under
        ``torch.no_grad()``, and append the state, action, log-probability and state value to the
        buffer (the caller appends the reward and the terminal flag afterwards). Return a
        ``np.ndarray`` of shape (action_dim,) for continuous actions, a Python ``int`` for discrete ones.
        """
        with torch.no_grad():
            state = torch.as_tensor(np.asarray(state), dtype=torch.float32)
            action, action_logprob, state_val = self.policy_old.act(state)
        self.buffer.states.append(state)
        self.buffer.actions.append(action)
        self.buffer.logprobs.append(action_logprob)
        self.buffer.state_values.append(state_val)
        if self.continuous_action_space:
            return action.cpu().numpy().flatten()
        return int(action.item())

    def update(self):
        """One PPO update from the buffer, then sync ``policy_old`` and clear the buffer.

        Compute discounted returns (restarting at terminal steps) and advantages, optimise the policy
        for ``K_epochs`` epochs with the clipped surrogate loss (``eps_clip``), including a value-function
        loss and an entropy bonus, then copy the weights of ``self.policy`` into ``self.policy_old`` and
        clear the buffer.
        """
        returns = []
        discounted = 0.0
        for reward, is_terminal in zip(reversed(self.buffer.rewards), reversed(self.buffer.is_terminals)):
            if is_terminal:
                discounted = 0.0
            discounted = reward + self.gamma * discounted
            returns.insert(0, discounted)
        returns = torch.tensor(returns, dtype=torch.float32)
        returns = (returns - returns.mean()) / (returns.std() + 1e-7)

        old_states = torch.squeeze(torch.stack(self.buffer.states, dim=0)).detach()
        old_actions = torch.squeeze(torch.stack(self.buffer.actions, dim=0)).detach()
        old_logprobs = torch.squeeze(torch.stack(self.buffer.logprobs, dim=0)).detach()
        old_state_values = torch.squeeze(torch.stack(self.buffer.state_values, dim=0)).detach()
        returns = returns.to(old_state_values.device)
        advantages = returns - old_state_values

        for _ in range(self.K_epochs):
            logprobs, state_values, dist_entropy = self.policy.evaluate(old_states, old_actions)
            state_values = torch.squeeze(state_values)
            ratios = torch.exp(logprobs - old_logprobs)
            surr1 = ratios * advantages
            surr2 = torch.clamp(ratios, 1 - self.eps_clip, 1 + self.eps_clip) * advantages
            loss = -torch.min(surr1, surr2) + 0.5 * self.MseLoss(state_values, returns) - 0.01 * dist_entropy
            self.optimizer.zero_grad()
            loss.mean().backward()
            self.optimizer.step()

        self.policy_old.load_state_dict(self.policy.state_dict())
        self.buffer.clear()

    def save(self, checkpoint_path):
        torch.save(self.policy_old.state_dict(), checkpoint_path)

    def load(self, checkpoint_path):
        state_dict = torch.load(checkpoint_path, map_location=lambda storage, loc: storage)
        self.policy_old.load_state_dict(state_dict)
        self.policy.load_state_dict(state_dict)
