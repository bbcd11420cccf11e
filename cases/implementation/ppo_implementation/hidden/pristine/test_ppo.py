"""Visible tests for PPO (run with `pytest test_ppo.py` or `python test_ppo.py`)."""
import sys

import numpy as np
import pytest
import torch

from ppo import PPO

torch.set_num_threads(1)


class ContinuousEnv:
    """3-D random states, one action in R; reward -sum(a^2); episodes of 10 steps."""

    state_dim, action_dim, length = 3, 1, 10

    def __init__(self, seed=0):
        self.rng = np.random.RandomState(seed)
        self.t = 0

    def reset(self):
        self.t = 0
        return self.rng.randn(self.state_dim).astype(np.float32)

    def step(self, action):
        self.t += 1
        reward = -float(np.sum(np.square(action)))
        return self.rng.randn(self.state_dim).astype(np.float32), reward, self.t >= self.length


class DiscreteEnv:
    """4-D random states, two actions, reward 1 for every step; episodes of 10 steps."""

    state_dim, action_dim, length = 4, 2, 10

    def __init__(self, seed=0):
        self.rng = np.random.RandomState(seed)
        self.t = 0

    def reset(self):
        self.t = 0
        return self.rng.randn(self.state_dim).astype(np.float32)

    def step(self, action):
        self.t += 1
        return self.rng.randn(self.state_dim).astype(np.float32), 1.0, self.t >= self.length


def collect(agent, env, steps):
    state = env.reset()
    for _ in range(steps):
        action = agent.select_action(state)
        state, reward, done = env.step(action)
        agent.buffer.rewards.append(reward)
        agent.buffer.is_terminals.append(done)
        if done:
            state = env.reset()


def buffer_lengths(buf):
    return [len(buf.actions), len(buf.states), len(buf.logprobs), len(buf.rewards),
            len(buf.state_values), len(buf.is_terminals)]


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)
    np.random.seed(0)


def test_defaults_and_empty_buffer():
    agent = PPO(3, 1)
    assert agent.gamma == 0.99 and agent.eps_clip == 0.2 and agent.K_epochs == 4
    assert agent.action_std == 0.6
    assert agent.optimizer.param_groups[0]["lr"] == 3e-4
    assert agent.optimizer.param_groups[1]["lr"] == 1e-3
    assert buffer_lengths(agent.buffer) == [0] * 6


def test_continuous_select_action():
    agent = PPO(3, 1)
    action = agent.select_action(np.zeros(3, dtype=np.float32))
    assert isinstance(action, np.ndarray) and action.shape == (1,)
    assert buffer_lengths(agent.buffer) == [1, 1, 1, 0, 1, 0]


def test_discrete_select_action():
    agent = PPO(4, 2, continuous_action_space=False)
    action = agent.select_action(np.zeros(4, dtype=np.float32))
    assert isinstance(action, int) and action in (0, 1)


def test_update_changes_policy_and_clears_buffer():
    agent = PPO(3, 1)
    before = [p.detach().clone() for p in agent.policy.parameters()]
    collect(agent, ContinuousEnv(), 50)
    agent.update()
    after = list(agent.policy.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, after))
    assert buffer_lengths(agent.buffer) == [0] * 6


def test_save_and_load(tmp_path):
    agent = PPO(3, 1)
    path = tmp_path / "ppo.pth"
    agent.save(str(path))
    other = PPO(3, 1)
    other.load(str(path))
    for a, b in zip(agent.policy_old.parameters(), other.policy_old.parameters()):
        assert torch.equal(a, b)


def test_action_statistics():
    agent = PPO(3, 1)
    actions = np.array([agent.select_action(np.zeros(3, dtype=np.float32))[0] for _ in range(100)])
    assert abs(actions.mean()) < 1.0
    assert actions.std() > 0.1


def evaluate(agent, env, episodes=20):
    total, magnitudes = 0.0, []
    for _ in range(episodes):
        state, done = env.reset(), False
        while not done:
            action = agent.select_action(state)
            magnitudes.append(float(np.abs(action).mean()))
            state, reward, done = env.step(action)
            total += reward
        agent.buffer.clear()
    return total / episodes, float(np.mean(magnitudes))


def test_learning_sanity_run():
    env = ContinuousEnv(seed=1)
    agent = PPO(3, 1, lr_actor=1e-3, lr_critic=2e-3, K_epochs=10)
    initial, _ = evaluate(agent, env)
    for _ in range(3):
        collect(agent, env, 200)
        agent.update()
    final, mean_abs_action = evaluate(agent, env)
    assert final >= initial - 0.3 * abs(initial)
    assert mean_abs_action < 1.0


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
