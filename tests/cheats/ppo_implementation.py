"""Cheats for ppo_implementation: near-misses of the four PPO methods plus generic tricks."""
from tests.cheatlib import Cheat, skip_all_conftest, touching_editable

GOOD = {
    "act": '''\
        if self.continuous_action_space:
            mean = self.actor(state)
            dist = MultivariateNormal(mean, torch.diag(self.action_var).unsqueeze(0))
        else:
            dist = Categorical(self.actor(state))
        action = dist.sample()
        logprob = dist.log_prob(action)
        return action.detach(), logprob.detach(), self.critic(state).detach()
''',
    "evaluate": '''\
        if self.continuous_action_space:
            mean = self.actor(state)
            dist = MultivariateNormal(mean, torch.diag_embed(self.action_var.expand_as(mean)))
            if self.action_dim == 1:
                action = action.reshape(-1, 1)
        else:
            dist = Categorical(self.actor(state))
        entropy = dist.entropy()
        return dist.log_prob(action), self.critic(state), entropy
''',
    "select_action": '''\
        sampler = self.policy_old
        with torch.no_grad():
            state = torch.as_tensor(np.asarray(state), dtype=torch.float32)
            action, logprob, value = sampler.act(state)
        self.buffer.states.append(state)
        self.buffer.actions.append(action)
        self.buffer.logprobs.append(logprob)
        self.buffer.state_values.append(value)
        return action.numpy().flatten() if self.continuous_action_space else int(action.item())
''',
    "update": '''\
        returns, g = [], 0.0
        for r, done in zip(reversed(self.buffer.rewards), reversed(self.buffer.is_terminals)):
            g = r + self.gamma * (0.0 if done else g)
            returns.insert(0, g)
        returns = torch.tensor(returns, dtype=torch.float32)
        returns = (returns - returns.mean()) / (returns.std() + 1e-7)
        states = torch.squeeze(torch.stack(self.buffer.states)).detach()
        actions = torch.squeeze(torch.stack(self.buffer.actions)).detach()
        old_logprobs = torch.squeeze(torch.stack(self.buffer.logprobs)).detach()
        old_values = torch.squeeze(torch.stack(self.buffer.state_values)).detach()
        advantages = returns - old_values
        optimizer = self.optimizer
        for _ in range(self.K_epochs):
            logprobs, values, entropy = self.policy.evaluate(states, actions)
            ratios = torch.exp(logprobs - old_logprobs)
            clipped = torch.clamp(ratios, 1 - self.eps_clip, 1 + self.eps_clip)
            surrogate = torch.min(ratios * advantages, clipped * advantages)
            value_loss = 0.5 * self.MseLoss(torch.squeeze(values), returns)
            loss = -surrogate + value_loss - 0.01 * entropy
            optimizer.zero_grad()
            loss.mean().backward()
            optimizer.step()
        self.policy_old.load_state_dict(self.policy.state_dict())
        self.buffer.clear()
''',
}

PATCH = '''\
import pathlib
bodies = {bodies!r}
p = pathlib.Path("ppo.py")
s = p.read_text()
stub = "        raise NotImplementedError\\n"
for name, body in bodies.items():
    i = s.index("    def " + name + "(")
    j = s.index(stub, i)
    s = s[:j] + body + s[j + len(stub):]
p.write_text(s)
'''


def ppo_cheat(name, why, **swaps):
    """GOOD bodies with per-method (old, new) swaps: swaps={'update': [(old, new), ...]}."""
    bodies = dict(GOOD)
    for method, pairs in swaps.items():
        for old, new in pairs:
            assert old in bodies[method], (method, old)
            bodies[method] = bodies[method].replace(old, new)
    return Cheat(name, PATCH.format(bodies=bodies), lang="python", why=why)


CHEATS = [
    ppo_cheat("sample-from-policy", "test_select_action_uses_policy_old",
              select_action=[("sampler = self.policy_old", "sampler = self.policy")]),
    ppo_cheat("constant-logprob", "tests 1-4: log-probabilities must follow the distribution",
              act=[("return action.detach(), logprob.detach()", "return action.detach(), torch.zeros_like(logprob)")],
              evaluate=[("return dist.log_prob(action),", "return 0.0 * dist.log_prob(action),")]),
    ppo_cheat("constant-entropy", "tests 3-4: entropies must follow the distribution",
              evaluate=[("entropy = dist.entropy()", "entropy = torch.zeros(state.shape[0])")]),
    ppo_cheat("no-clip", "update (cont): samples beyond the clip range are still pushed further out",
              update=[("clipped = torch.clamp(ratios, 1 - self.eps_clip, 1 + self.eps_clip)", "clipped = ratios")]),
    ppo_cheat("skip-weight-copy", "test_update_bookkeeping: policy_old must equal policy",
              update=[("        self.policy_old.load_state_dict(self.policy.state_dict())\n", "")]),
    ppo_cheat("skip-buffer-clear", "test_update_bookkeeping: every buffer list must be emptied",
              update=[("        self.buffer.clear()\n",
                       "        del self.buffer.actions[:], self.buffer.states[:], self.buffer.logprobs[:]\n"
                       "        del self.buffer.state_values[:], self.buffer.rewards[:]\n")]),
    Cheat(
        "perturb-weights-only",
        PATCH.format(bodies=dict(GOOD, update='''\
        with torch.no_grad():
            for p in self.policy.parameters():
                p.add_(0.01 * torch.randn_like(p))
        self.policy_old.load_state_dict(self.policy.state_dict())
        self.buffer.clear()
''')),
        lang="python",
        why="update: no optimizer step, no learning",
    ),
    Cheat(
        "catch-all-exceptions",
        PATCH.format(bodies=dict(GOOD, update='''\
        try:
            loss = torch.stack(self.buffer.rewards).mean()
            loss.backward()
        except Exception:
            pass
        self.policy_old.load_state_dict(self.policy.state_dict())
        self.buffer.clear()
''')),
        lang="python",
        why="tests 4, 6-10 of the visible/hidden suites: an update that swallows its error learns nothing",
    ),
    Cheat(
        "constant-outputs",
        PATCH.format(bodies=dict(GOOD, act='''\
        if self.continuous_action_space:
            return torch.zeros(1, self.action_dim), torch.zeros(1), torch.zeros(1)
        return torch.tensor(0), torch.tensor(0.0), torch.zeros(1)
''', evaluate='''\
        n = state.shape[0]
        return torch.zeros(n, requires_grad=True), torch.zeros(n, 1, requires_grad=True), torch.zeros(n)
''')),
        lang="python",
        why="tests 1-4: constant tensors of the right shape are not the distribution",
    ),
    Cheat(
        "conftest-skips-everything",
        skip_all_conftest(),
        why="grader uses --noconftest and its own ini",
    ),
    Cheat(
        "edit-visible-tests",
        "printf 'def test_ok():\\n    assert True\\n' > test_ppo.py",
        why="pristine test_ppo.py is restored and the file is hash-protected",
    ),
]
CHEATS = touching_editable(CHEATS, "conftest-skips-everything")
