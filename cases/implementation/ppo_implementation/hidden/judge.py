"""Judge of ppo_implementation (trusted: runs no agent code).

It draws the networks' weights, states, actions, rewards and terminal flags at grading time; the probes load
the weights into the given networks and record what the agent's four methods compute. Here the reference
(ref_ppo.py, float64, on the given networks from the pristine ppo.py) recomputes log-probabilities, values,
entropies and their gradients, checks sampling statistics, checks that update() moves actor and critic with a
clipped surrogate (any advantage estimator or coefficients), and evaluates the policies the bandit runs ended with.
"""
import math

import torch
from mldb_judge import Checks, close, import_pristine

import ref_ppo as ref

NETS = {"cont2": (5, 2, 0.5, True), "cont1": (3, 1, 0.6, True), "disc": (4, 3, 0.6, False)}


def given():
    return import_pristine("ppo.py")


def inputs(seed, profile):
    g = torch.Generator().manual_seed(seed)
    randn = lambda *s: torch.randn(*s, generator=g)  # noqa: E731
    module = given()

    def spec(state_dim, action_dim, std, continuous, noisy=False):
        model = module.ActorCritic(state_dim, action_dim, std, continuous_action_space=continuous)
        weights = {k: randn(*v.shape) / math.sqrt(v.shape[-1]) * (1.5 if v.dim() == 2 else 0.5)
                   for k, v in model.state_dict().items()}
        out = {"state_dim": state_dim, "action_dim": action_dim, "std": std, "continuous": continuous,
               "weights": weights}
        if noisy:  # the policy being optimised differs from policy_old: the clip is active from the first step
            out["policy_weights"] = {k: v + 0.3 * randn(*v.shape) / math.sqrt(v.shape[-1]) for k, v in weights.items()}
        return out

    def seed_():
        return int(torch.randint(2**31, (1,), generator=g))

    evaluate, act = {}, {}
    for key, (sd, ad, std, cont) in NETS.items():
        actions = randn(64, ad) if cont else torch.randint(0, ad, (64,), generator=g)
        evaluate[key] = {"net": spec(sd, ad, std, cont), "states": randn(64, sd),
                         "actions": actions.reshape(64) if ad == 1 else actions, "u": randn(3, 64).double()}
        act[key] = {"net": spec(sd, ad, std, cont), "state": randn(sd), "n": 2000, "seed": seed_()}
    select, update = {}, {}
    for key, (sd, ad, cont) in {"cont": (3, 2, True), "disc": (4, 3, False)}.items():
        select[key] = {"net": spec(sd, ad, 0.6, cont, noisy=True), "state": randn(sd), "seed": seed_()}
        steps = 32
        terminals = torch.zeros(steps, dtype=torch.bool)
        terminals[torch.randperm(steps - 1, generator=g)[:3]] = True
        terminals[-1] = bool(torch.rand(1, generator=g) < 0.5)
        update[key] = {"net": spec(sd, ad, 0.6, cont, noisy=True), "states": randn(steps, sd),
                       "rewards": randn(steps).tolist(), "terminals": terminals.tolist(), "seed": seed_(),
                       "hyper": {"lr_actor": 0.02, "lr_critic": 0.03, "K_epochs": 3,
                                 "gamma": round(0.9 + 0.09 * float(torch.rand(1, generator=g)), 4), "eps_clip": 0.2}}
    bandit = {"disc": {"net": {"state_dim": 4, "action_dim": 2, "std": 0.6, "continuous": False}, "iterations": 3,
                       "seed": seed_()},
              "cont": {"net": {"state_dim": 3, "action_dim": 1, "std": 0.6, "continuous": True}, "iterations": 4,
                       "seed": seed_()}}
    probes = [f"{kind}:{key}" for kind, cases in (("evaluate", evaluate), ("act", act), ("select_action", select),
                                                  ("update", update), ("bandit", bandit)) for key in cases]
    return {"probes": probes, "evaluate": evaluate, "act": act, "select_action": select, "update": update,
            "bandit": bandit, "bandit_states": {"disc": randn(200, 4), "cont": randn(200, 3)}}


def reference_net(spec, weights=None):
    model = given().ActorCritic(spec["state_dim"], spec["action_dim"], spec["std"],
                                continuous_action_space=spec["continuous"]).double()
    model.load_state_dict({k: v.double() for k, v in (weights if weights is not None else spec["weights"]).items()})
    return model


def logprob_entropy(model, spec, states, actions):
    """Reference log-probabilities and entropies (float64) of `actions` (N, action_dim) or (N,) ints."""
    if spec["continuous"]:
        var = torch.full((spec["action_dim"],), spec["std"] ** 2, dtype=torch.float64)
        return ref.log_prob_and_entropy(model, states.double(), actions.double().reshape(len(states), -1), True, var)
    return ref.log_prob_and_entropy(model, states.double(), actions.long().reshape(-1), False)


def tol(x, **kw):
    return dict(rtol=1e-4, atol=1e-6, scale_atol=True, **kw)


def check_evaluate(case, got):
    spec = case["net"]
    model = reference_net(spec)
    logp, entropy = logprob_entropy(model, spec, case["states"], case["actions"])
    values = model.critic(case["states"].double())
    assert got["shapes"] == [[64], [64, 1], [64]], f"shapes {got['shapes']}, expected (N,), (N, 1), (N,)"
    close(got["logprobs"], logp, **tol(None, what="log-probabilities"))
    close(got["values"], values, **tol(None, what="state values"))
    close(got["entropy"], entropy, **tol(None, what="entropies"))
    u = case["u"]
    ((logp * u[0]).sum() + (values.reshape(-1) * u[1]).sum() + (entropy * u[2]).sum()).backward()
    for name, p in model.named_parameters():
        if p.grad is not None and float(p.grad.abs().max()) > 0:
            assert got["grads"].get(name) is not None, f"no gradient reaches {name} (graph not kept?)"
            close(got["grads"][name], p.grad, rtol=1e-4, atol=1e-5, scale_atol=True, what=f"gradient of {name}")


def check_act(case, got):
    spec = case["net"]
    model = reference_net(spec)
    state = case["state"].double().reshape(1, -1)
    assert got["grad"] == [False, False, False], "act must return detached tensors"
    action = got["action"].reshape(1, -1) if spec["continuous"] else got["action"].reshape(-1)
    logp, _ = logprob_entropy(model, spec, state, action)
    close(got["logprob"], logp, **tol(None, what="log-probability of the sampled action"))
    close(got["value"], model.critic(state).reshape(-1), **tol(None, what="state value"))
    draws, n = got["draws"].double(), case["n"]
    with torch.no_grad():
        out = model.actor(state)[0]
    if spec["continuous"]:
        assert tuple(draws.shape) == (n, spec["action_dim"]), f"draws of shape {tuple(draws.shape)}"
        assert float((draws.mean(0) - out).abs().max()) < 4.5 * spec["std"] / math.sqrt(n), \
            f"sample mean {draws.mean(0).tolist()}, expected {out.tolist()}"
        std = draws.std(0)
        assert bool(((std - spec["std"]).abs() < 0.1 * spec["std"]).all()), f"sample std {std.tolist()}, expected {spec['std']}"
    else:
        flat = draws.reshape(-1)
        assert bool(((flat >= 0) & (flat < spec["action_dim"]) & (flat == flat.round())).all()), \
            "draws outside the action range"
        freq = torch.stack([(flat == k).double().mean() for k in range(spec["action_dim"])])
        assert float((freq - out).abs().max()) < 0.05, f"sampling frequencies {freq.tolist()}, expected {out.tolist()}"


def check_buffer(spec, states, buf, actions_out=None):
    """The buffer holds the states, and the log-probabilities and values policy_old gives the stored actions."""
    n = len(states)
    assert all(len(buf[k]) == n for k in ("states", "actions", "logprobs", "values")), \
        f"buffer lengths {[len(buf[k]) for k in ('states', 'actions', 'logprobs', 'values')]}, expected {n}"
    close(torch.stack(buf["states"]), states.reshape(n, -1), rtol=0, atol=1e-6, what="stored states")
    actions = torch.stack(buf["actions"])
    if spec["continuous"]:
        assert actions.shape[1] == spec["action_dim"], f"stored actions of shape {tuple(actions.shape)}"
    else:
        assert actions.shape[1] == 1 and bool((actions == actions.round()).all()), "stored discrete actions not integers"
    old = reference_net(spec)
    with torch.no_grad():
        logp, _ = logprob_entropy(old, spec, states, actions)
        values = old.critic(states.double()).reshape(-1)
    close(torch.stack(buf["logprobs"]).reshape(-1), logp, **tol(None, what="stored log-probabilities (policy_old)"))
    close(torch.stack(buf["values"]).reshape(-1), values, **tol(None, what="stored state values (policy_old)"))
    return actions, logp, values


def check_select(case, got):
    spec = case["net"]
    assert got["buffer"]["rewards"] == 0 and got["buffer"]["terminals"] == 0, "select_action appended rewards or flags"
    actions, _, _ = check_buffer(spec, case["state"].reshape(1, -1), got["buffer"])
    if spec["continuous"]:
        assert got["type"] == "ndarray" and got["shape"] == [spec["action_dim"]], \
            f"returned a {got['type']} of shape {got['shape']}, expected an ndarray ({spec['action_dim']},)"
    else:
        assert got["type"] == "int" and 0 <= int(got["action"][0]) < spec["action_dim"], f"returned a {got['type']}"
    close(got["action"], actions.reshape(-1), rtol=0, atol=1e-6, what="returned vs stored action")


def check_clip(spec, hyper, states, actions, old_logp, step):
    """The first step's actor gradient is a clipped-surrogate gradient, whatever the advantages (any estimator,
    normalisation, minibatch or coefficients): written as a combination sum_i c_i * grad(ratio_i) of the
    per-sample ratio gradients, a sample whose ratio is above 1 + eps_clip may only contribute with c_i >= 0 and
    one below 1 - eps_clip only with c_i <= 0 (the clip zeroes the favourable side). Continuous actions with a
    fixed variance: the entropy has no actor gradient and the value loss reaches only the critic."""
    model = reference_net(spec, {n: v.double() for n, v in step["params"].items()})
    names = [n for n, _ in model.actor.named_parameters()]
    assert all(f"actor.{n}" in step["grads"] for n in names), "no gradient reached the actor at the first step"
    params = list(model.actor.parameters())
    var = torch.full((spec["action_dim"],), spec["std"] ** 2, dtype=torch.float64)
    logp, _ = ref.log_prob_and_entropy(model, states.double(), actions.double(), True, var)
    ratio = torch.exp(logp - old_logp)
    rows = [torch.cat([g.reshape(-1) for g in torch.autograd.grad(r, params, retain_graph=True)]) for r in ratio]
    jac = torch.stack(rows)  # (N, P), P >> N
    g = torch.cat([step["grads"][f"actor.{n}"].double().reshape(-1) for n in names])
    c = torch.linalg.lstsq(jac.T, g.reshape(-1, 1)).solution.reshape(-1)
    residual = float((jac.T @ c - g).norm() / (g.norm() + 1e-30))
    assert residual < 1e-3, f"the actor's gradient is not a combination of the ratios' gradients (residual {residual:.2e})"
    eps, tiny = hyper["eps_clip"], 1e-4 * float(c.abs().max())
    above = [(float(r), float(x)) for r, x in zip(ratio, c) if r > 1 + eps + 1e-6 and x < -tiny]
    below = [(float(r), float(x)) for r, x in zip(ratio, c) if r < 1 - eps - 1e-6 and x > tiny]
    assert not above and not below, (f"samples outside the clip range still push the ratio further out "
                                     f"(ratio, coefficient): {(above + below)[:4]}")


def check_update(case, got):
    spec, hyper = case["net"], case["hyper"]
    states = case["states"]
    actions, old_logp, _ = check_buffer(spec, states, got["buffer"])
    assert got["steps"], "update() took no optimizer step"
    start = spec["policy_weights"]
    for part in ("actor.", "critic."):
        moved = max(float((got["policy"][n].double() - start[n].double()).abs().max()) for n in start if n.startswith(part))
        assert moved > 1e-6, f"update() left the {part[:-1]} unchanged (the loss has a policy and a value term)"
    if spec["continuous"]:
        check_clip(spec, hyper, states, actions, old_logp, got["steps"][0])
    for n in start:
        close(got["policy_old"][n], got["policy"][n], rtol=0, atol=0, what=f"policy_old's {n} vs policy's")
    after = got["after"]
    assert all(len(after[k]) == 0 for k in ("states", "actions", "logprobs", "values")) and \
        after["rewards"] == 0 and after["terminals"] == 0, "the buffer was not cleared"


def judge(inputs, observed, profile):
    checks = Checks()
    for key in inputs["evaluate"]:
        with checks.check(f"evaluate ({key}): log-probabilities, values (N, 1), entropies and their gradients equal "
                          "the reference on grading-time weights, states and actions"):
            check_evaluate(inputs["evaluate"][key], observed.need(f"evaluate:{key}"))
    for key in inputs["act"]:
        with checks.check(f"act ({key}): detached action, its log-probability and the state value; 2000 samples follow "
                          "the distribution"):
            check_act(inputs["act"][key], observed.need(f"act:{key}"))
    for key in inputs["select_action"]:
        with checks.check(f"select_action ({key}): samples with policy_old, stores state, action, log-probability and "
                          "value, returns the action in the prescribed type"):
            check_select(inputs["select_action"][key], observed.need(f"select_action:{key}"))
    for key in inputs["update"]:
        with checks.check(f"update ({key}): optimizer steps move the actor and the critic"
                          + (", the first step's actor gradient is a clipped surrogate's" if key == "cont" else "")
                          + "; policy_old = policy and the buffer is empty after"):
            check_update(inputs["update"][key], observed.need(f"update:{key}"))
    with checks.check("learning: after 3 updates a discrete bandit's policy picks the paying arm with probability >= "
                      "0.8; after 4 a continuous bandit's mean action is >= 0.3 (target 0.5)"):
        for key, case in inputs["bandit"].items():
            model = reference_net(case["net"], observed.need(f"bandit:{key}")["policy"])
            with torch.no_grad():
                out = model.actor(inputs["bandit_states"][key].double())
            score = float(out[:, 1].mean()) if key == "disc" else float(out.mean())
            bar = 0.8 if key == "disc" else 0.3
            assert score >= bar, f"{key} bandit: {score:.3f}, expected >= {bar}"
    return checks
