"""Probes of ppo_implementation (run in the untrusted process, on the agent's ppo.py).

The networks are the given ones; each probe loads the weights the judge drew into them (`load_state_dict`)
and records what the agent's act / evaluate / select_action / update compute on the judge's states, actions,
rewards and terminal flags. `update` records the policy's parameters and gradients at the first optimizer
steps.
"""
import numpy as np
import torch
from torch.optim.optimizer import register_optimizer_step_pre_hook

torch.set_num_threads(1)


def flat(x):
    return torch.as_tensor(np.asarray(x) if not torch.is_tensor(x) else x).detach().reshape(-1).double()


def net(spec):
    from ppo import ActorCritic
    model = ActorCritic(spec["state_dim"], spec["action_dim"], spec["std"], continuous_action_space=spec["continuous"])
    model.load_state_dict(spec["weights"])
    return model


def agent(spec, **kwargs):
    from ppo import PPO
    a = PPO(spec["state_dim"], spec["action_dim"], action_std_init=spec["std"],
            continuous_action_space=spec["continuous"], **kwargs)
    a.policy_old.load_state_dict(spec["weights"])
    a.policy.load_state_dict(spec.get("policy_weights", spec["weights"]))
    return a


def evaluate(case):
    model = net(case["net"])
    logprobs, values, entropy = model.evaluate(case["states"], case["actions"])
    out = {"logprobs": logprobs.detach(), "values": values.detach(), "entropy": entropy.detach(),
           "shapes": [list(logprobs.shape), list(values.shape), list(entropy.shape)]}
    (logprobs.double() * case["u"][0]).sum().add((values.reshape(-1).double() * case["u"][1]).sum()) \
        .add((entropy.double() * case["u"][2]).sum()).backward()
    out["grads"] = {name: p.grad for name, p in model.named_parameters()}
    return out


def act(case):
    model = net(case["net"])
    torch.manual_seed(case["seed"])
    action, logprob, value = model.act(case["state"])
    draws = torch.stack([flat(model.act(case["state"])[0]) for _ in range(case["n"])])
    return {"action": flat(action), "logprob": flat(logprob), "value": flat(value),
            "grad": [bool(t.requires_grad) for t in (action, logprob, value)], "draws": draws}


def buffer_of(a):
    b = a.buffer
    return {"states": [flat(s) for s in b.states], "actions": [flat(x) for x in b.actions],
            "logprobs": [flat(x) for x in b.logprobs], "values": [flat(x) for x in b.state_values],
            "rewards": len(b.rewards), "terminals": len(b.is_terminals)}


def select_action(case):
    a = agent(case["net"])
    torch.manual_seed(case["seed"])
    action = a.select_action(case["state"].numpy())
    return {"type": type(action).__name__, "shape": list(np.shape(action)), "action": flat(action),
            "buffer": buffer_of(a)}


def update(case):
    """Fill the buffer through select_action, run update() and record the policy's parameters and gradients at
    the first steps of any optimizer (a global step pre-hook: the agent may use self.optimizer or its own)."""
    spec = case["net"]
    a = agent(spec, **case["hyper"])
    torch.manual_seed(case["seed"])
    for state, reward, terminal in zip(case["states"], case["rewards"], case["terminals"]):
        a.select_action(state.numpy())
        a.buffer.rewards.append(float(reward))
        a.buffer.is_terminals.append(bool(terminal))
    filled = buffer_of(a)
    named = list(a.policy.named_parameters())
    steps = []

    def record(optimizer, args, kwargs):
        if len(steps) < 3:
            steps.append({"params": {n: p.detach().clone() for n, p in named},
                          "grads": {n: p.grad.detach().clone() for n, p in named if p.grad is not None}})

    handle = register_optimizer_step_pre_hook(record)
    try:
        a.update()
    finally:
        handle.remove()
    return {"buffer": filled, "steps": steps, "policy": a.policy.state_dict(),
            "policy_old": a.policy_old.state_dict(), "after": buffer_of(a)}


def bandit(case):
    from ppo import PPO
    spec = case["net"]
    torch.manual_seed(case["seed"])  # the given networks' own initialisation
    a = PPO(spec["state_dim"], spec["action_dim"], lr_actor=1e-3, lr_critic=2e-3, K_epochs=10,
            continuous_action_space=spec["continuous"])
    rng = np.random.RandomState(case["seed"])
    for _ in range(case["iterations"]):
        for _ in range(200):
            action = a.select_action(rng.randn(spec["state_dim"]).astype(np.float32))
            x = float(np.asarray(action, dtype=np.float64).reshape(-1)[0])
            a.buffer.rewards.append((1.0 if int(x) == 1 else 0.0) if not spec["continuous"] else -(x - 0.5) ** 2)
            a.buffer.is_terminals.append(True)
        a.update()
    return {"policy": a.policy.state_dict()}


def run(name, inputs):
    kind, _, key = name.partition(":")
    case = inputs[kind][key]
    return {"evaluate": evaluate, "act": act, "select_action": select_action, "update": update,
            "bandit": bandit}[kind](case)
