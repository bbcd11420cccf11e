"""Hidden tests for PPO: distributions, the update's gradients, bookkeeping and two learning bandits."""
import copy
import random

import numpy as np
import torch

from ppo import PPO, ActorCritic
from ref_ppo import (categorical_entropy, categorical_logprob, gaussian_entropy, gaussian_logprob,
                     normalised_returns, ppo_loss)

torch.set_num_threads(1)


def seed_all(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def flat(t):
    return torch.as_tensor(np.asarray(t) if not torch.is_tensor(t) else t).detach().reshape(-1)


def close(actual, expected, rtol=1e-5, atol=1e-6):
    torch.testing.assert_close(flat(actual).double(), flat(expected).double(), rtol=rtol, atol=atol)


# 1-4: distributions -------------------------------------------------------------------------------

def test_act_continuous():
    seed_all(0)
    net = ActorCritic(3, 2, 0.6, continuous_action_space=True)
    state = torch.randn(3)
    action, logprob, value = net.act(state)
    for t in (action, logprob, value):
        assert torch.is_tensor(t) and not t.requires_grad
    with torch.no_grad():
        mean = net.actor(state)
        close(logprob, gaussian_logprob(mean, net.action_var, flat(action)))
        close(value, net.critic(state))
    draws = torch.stack([flat(net.act(state)[0]) for _ in range(2000)]).double()
    assert draws.shape == (2000, 2)
    assert (draws.mean(0) - mean.double()).abs().max() < 0.06
    std = draws.std(0)
    assert bool(((std > 0.54) & (std < 0.66)).all()), std


def test_act_discrete():
    seed_all(1)
    net = ActorCritic(4, 2, 0.6, continuous_action_space=False)
    with torch.no_grad():
        net.actor[-2].weight.zero_()
        net.actor[-2].bias.copy_(torch.log(torch.tensor([0.2, 0.8])))
    state = torch.randn(4)
    action, logprob, value = net.act(state)
    assert not logprob.requires_grad and not value.requires_grad
    close(logprob, torch.log(torch.tensor([0.2, 0.8]))[int(flat(action)[0])])
    close(value, net.critic(state).detach())
    picks = torch.tensor([int(flat(net.act(state)[0])[0]) for _ in range(2000)])
    assert set(picks.tolist()) <= {0, 1}
    assert abs(picks.double().mean().item() - 0.8) < 0.04


def test_evaluate_continuous():
    for seed, action_dim in ((2, 2), (3, 1)):
        seed_all(seed)
        net = ActorCritic(5, action_dim, 0.5, continuous_action_space=True)
        states = torch.randn(64, 5)
        actions = torch.randn(64, action_dim)
        if action_dim == 1:
            actions = actions.reshape(64)
        logprobs, values, entropy = net.evaluate(states, actions)
        assert logprobs.shape == (64,) and entropy.shape == (64,) and values.numel() == 64
        with torch.no_grad():
            mean = net.actor(states)
            expected = gaussian_logprob(mean, net.action_var.expand_as(mean), actions.reshape(64, action_dim))
            close(logprobs.detach(), expected)
            close(values.detach(), net.critic(states))
            close(entropy.detach(), gaussian_entropy(net.action_var, 64))
        assert logprobs.requires_grad, "evaluate must keep the graph for the update"


def test_evaluate_discrete():
    seed_all(4)
    net = ActorCritic(4, 3, 0.6, continuous_action_space=False)
    states = torch.randn(64, 4)
    actions = torch.randint(0, 3, (64,))
    logprobs, values, entropy = net.evaluate(states, actions)
    assert logprobs.shape == (64,) and entropy.shape == (64,) and values.numel() == 64
    with torch.no_grad():
        probs = net.actor(states)
        close(logprobs.detach(), categorical_logprob(probs, actions))
        close(entropy.detach(), categorical_entropy(probs))
        close(values.detach(), net.critic(states))


# 5: select_action ---------------------------------------------------------------------------------

def test_select_action_uses_policy_old():
    for seed, continuous in ((5, True), (6, False)):
        seed_all(seed)
        state_dim, action_dim = (3, 2) if continuous else (4, 3)
        agent = PPO(state_dim, action_dim, continuous_action_space=continuous)
        with torch.no_grad():
            for p in agent.policy.parameters():
                p.add_(torch.randn_like(p))
        state = np.random.randn(state_dim).astype(np.float32)
        action = agent.select_action(state)
        buf = agent.buffer
        assert [len(buf.states), len(buf.actions), len(buf.logprobs), len(buf.state_values)] == [1, 1, 1, 1]
        assert buf.rewards == [] and buf.is_terminals == []
        s = torch.as_tensor(state)
        close(buf.states[0], s)
        with torch.no_grad():
            out = agent.policy_old.actor(s)
            if continuous:
                assert isinstance(action, np.ndarray) and action.shape == (action_dim,)
                close(buf.actions[0], torch.as_tensor(action))
                expected = gaussian_logprob(out, agent.policy_old.action_var, torch.as_tensor(action))
            else:
                assert isinstance(action, int) and 0 <= action < action_dim
                assert int(flat(buf.actions[0])[0]) == action
                expected = torch.log(out[action])
            close(buf.logprobs[0], expected)
            close(buf.state_values[0], agent.policy_old.critic(s))


# 6-7: the update's gradients --------------------------------------------------------------------

class OptimizerSpy:
    """Wraps the agent's optimizer; records parameters and gradients at every step()."""

    def __init__(self, inner, params):
        self._inner = inner
        self._params = params
        self.records = []

    def step(self, *args, **kwargs):
        self.records.append((
            [p.detach().clone() for p in self._params],
            [None if p.grad is None else p.grad.detach().clone() for p in self._params],
        ))
        return self._inner.step(*args, **kwargs)

    def zero_grad(self, *args, **kwargs):
        return self._inner.zero_grad(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def fill_buffer(agent, state_dim, continuous, steps=32):
    terminals = {9, 20}
    for t in range(steps):
        agent.select_action(np.random.randn(state_dim).astype(np.float32))
        agent.buffer.rewards.append(float(np.random.randn()))
        agent.buffer.is_terminals.append(t in terminals)


def check_update_gradients(continuous, seed):
    seed_all(seed)
    state_dim, action_dim = (3, 2) if continuous else (4, 3)
    agent = PPO(state_dim, action_dim, lr_actor=0.02, lr_critic=0.02, K_epochs=3,
                continuous_action_space=continuous)
    fill_buffer(agent, state_dim, continuous)
    buf = agent.buffer
    states = torch.stack([flat(s).float() for s in buf.states])
    if continuous:
        actions = torch.stack([flat(a).float() for a in buf.actions])
    else:
        actions = torch.tensor([int(flat(a)[0]) for a in buf.actions])
    returns = normalised_returns(buf.rewards, buf.is_terminals, agent.gamma)
    before = copy.deepcopy(agent.policy_old)
    action_var = getattr(before, "action_var", None)
    with torch.no_grad():
        old = before.double()
        old_logprobs, _ = _logp(old, states.double(), actions, continuous, action_var)
        old_values = old.critic(states.double()).reshape(-1)

    params = list(agent.policy.parameters())
    spy = OptimizerSpy(agent.optimizer, params)
    agent.optimizer = spy
    agent.update()
    assert len(spy.records) == 3, f"expected K_epochs=3 optimizer steps on self.optimizer, saw {len(spy.records)}"

    clipped_somewhere = False
    for k, (values_at_step, grads) in enumerate(spy.records):
        ref_policy = copy.deepcopy(before).double()
        with torch.no_grad():
            for p, v in zip(ref_policy.parameters(), values_at_step):
                p.copy_(v.double())
        loss = ppo_loss(ref_policy, states.double(), actions, old_logprobs, old_values, returns,
                        agent.eps_clip, continuous, action_var)
        loss.backward()
        with torch.no_grad():
            new_logp, _ = _logp(ref_policy, states.double(), actions, continuous, action_var)
            ratio = torch.exp(new_logp - old_logprobs)
            clipped_somewhere |= bool(((ratio - 1).abs() > agent.eps_clip).any())
        for (name, ref_param), grad in zip(ref_policy.named_parameters(), grads):
            assert grad is not None, f"step {k}: no gradient for {name}"
            expected = ref_param.grad
            torch.testing.assert_close(grad.double(), expected, rtol=1e-4,
                                       atol=1e-7 + 1e-5 * expected.abs().max().item(),
                                       msg=lambda m, k=k, name=name: f"step {k}, {name}: {m}")
    assert clipped_somewhere, "test setup: the clip never became active"


def _logp(policy, states, actions, continuous, action_var):
    out = policy.actor(states)
    if continuous:
        var = action_var.double()
        return gaussian_logprob(out, var.expand_as(out), actions), None
    return categorical_logprob(out, actions), None


def test_update_gradient_continuous():
    check_update_gradients(True, 7)


def test_update_gradient_discrete():
    check_update_gradients(False, 8)


# 8-11: bookkeeping, learning, persistence ---------------------------------------------------------

def test_update_bookkeeping():
    seed_all(9)
    agent = PPO(3, 1)
    start = {k: v.clone() for k, v in agent.policy.state_dict().items()}
    fill_buffer(agent, 3, True, steps=40)
    agent.update()
    after = agent.policy.state_dict()
    assert any(not torch.equal(start[k], after[k]) for k in start), "update() did not change the policy"
    old = agent.policy_old.state_dict()
    assert all(torch.equal(after[k], old[k]) for k in after), "policy_old must equal policy after update()"
    buf = agent.buffer
    assert all(len(x) == 0 for x in (buf.actions, buf.states, buf.logprobs, buf.rewards,
                                     buf.state_values, buf.is_terminals))


def run_bandit(continuous, iterations, reward_fn, state_dim):
    seed_all(0)
    agent = PPO(state_dim, 1 if continuous else 2, lr_actor=1e-3, lr_critic=2e-3, K_epochs=10,
                continuous_action_space=continuous)
    for _ in range(iterations):
        for _ in range(200):
            action = agent.select_action(np.random.randn(state_dim).astype(np.float32))
            agent.buffer.rewards.append(reward_fn(action))
            agent.buffer.is_terminals.append(True)
        agent.update()
    probes = torch.from_numpy(np.random.RandomState(123).randn(200, state_dim).astype(np.float32))
    with torch.no_grad():
        return agent.policy.actor(probes)


def test_learns_discrete_bandit():
    probs = run_bandit(False, 3, lambda a: 1.0 if int(a) == 1 else 0.0, 4)
    assert probs[:, 1].mean().item() >= 0.80, probs[:, 1].mean().item()


def test_learns_continuous_bandit():
    means = run_bandit(True, 4, lambda a: -float((np.asarray(a).reshape(-1)[0] - 0.5) ** 2), 3)
    assert means.mean().item() >= 0.30, means.mean().item()


def test_save_load_roundtrip(tmp_path):
    seed_all(10)
    agent = PPO(3, 2)
    with torch.no_grad():
        for p in agent.policy_old.parameters():
            p.add_(torch.randn_like(p))
    path = tmp_path / "ppo.pth"
    agent.save(str(path))
    fresh = PPO(3, 2)
    fresh.load(str(path))
    for net in (fresh.policy, fresh.policy_old):
        for k, v in agent.policy_old.state_dict().items():
            assert torch.equal(net.state_dict()[k], v)


