"""Hidden tests for the MCTS: each phase on hand-built trees, then whole searches on two domains.

Domains: ``Tree`` (depth 3, branching 3, rewards keyed by the path to a leaf) and ``HorizonGrid``
(5x5, start (2, 2), goal (4, 4), ends at the goal or after 6 moves). Terminal states have no
legal actions.
"""
import itertools
import math
import random

import numpy as np
import torch

import mcts as mcts_module
from mcts import MCTS, Node, State

C = 1.38


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class Tree(State):
    """Depth-3, branching-3 game; the state is the path taken; leaves pay rewards[path]."""

    depth, branching = 3, 3

    def __init__(self, rewards, path=()):
        self.rewards = rewards
        self.path = tuple(path)

    def get_legal_actions(self):
        return [] if self.is_terminal() else list(range(self.branching))

    def is_terminal(self):
        return len(self.path) == self.depth

    def get_reward(self):
        return float(self.rewards[self.path]) if self.is_terminal() else 0.0

    def clone(self):
        return Tree(self.rewards, self.path)

    def apply_action(self, action):
        assert action in self.get_legal_actions()
        self.path = self.path + (action,)


LEAVES = list(itertools.product(range(3), repeat=3))
COUNT_ONES = {leaf: leaf.count(1) / 3 for leaf in LEAVES}


def best_leaf_rewards():
    """Action 0 always pays 0.3; action 1 pays 0.6 on 6 of 9 leaves; action 2 pays 1.0 on one leaf."""
    rewards = {}
    for leaf in LEAVES:
        if leaf[0] == 0:
            rewards[leaf] = 0.3
        elif leaf[0] == 1:
            rewards[leaf] = 0.6 if leaf[1] != 2 else 0.0
        else:
            rewards[leaf] = 1.0 if leaf[1:] == (2, 1) else 0.0
    return rewards


class HorizonGrid(State):
    """5x5 grid from (2, 2) to the goal (4, 4); at most 6 moves; reward 1 at the goal, else -dist/10."""

    size, goal, horizon = 5, (4, 4), 6
    moves = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}

    def __init__(self, position=(2, 2), steps=0):
        self.position = position
        self.steps = steps

    def get_legal_actions(self):
        if self.is_terminal():
            return []
        x, y = self.position
        return [m for m, (dx, dy) in self.moves.items() if 0 <= x + dx < self.size and 0 <= y + dy < self.size]

    def is_terminal(self):
        return self.position == self.goal or self.steps >= self.horizon

    def get_reward(self):
        if self.position == self.goal:
            return 1.0
        return -(abs(self.goal[0] - self.position[0]) + abs(self.goal[1] - self.position[1])) / 10

    def clone(self):
        return HorizonGrid(self.position, self.steps)

    def apply_action(self, action):
        dx, dy = self.moves[action]
        self.position = (self.position[0] + dx, self.position[1] + dy)
        self.steps += 1


def uct(node, parent_visits):
    return node.total_value / node.visit_count + C * math.sqrt(math.log(parent_visits) / node.visit_count)


def attach(parent, action, visits, value):
    """Hand-expand ``action`` under ``parent`` with the given statistics."""
    state = parent.state.clone()
    state.apply_action(action)
    child = Node(state, parent=parent, action=action)
    child.visit_count, child.total_value = visits, value
    parent.children[action] = child
    parent.untried_actions.remove(action)
    return child


def walk(node):
    yield node
    for child in node.children.values():
        yield from walk(child)


# 1-5: the phases -------------------------------------------------------------------------------

def test_uct_formula():
    node = Node(Tree(COUNT_ONES))
    for value, visits, total in [(3.0, 5, 20), (-1.5, 2, 7), (0.0, 1, 1), (12.25, 40, 1000), (0.7, 3, 3)]:
        node.total_value, node.visit_count = value, visits
        got = node.get_uct_value(total)
        assert isinstance(got, float)
        expected = value / visits + 1.38 * math.sqrt(math.log(total) / visits)
        assert abs(got - expected) < 1e-9, (value, visits, total, got, expected)


def test_expand_creates_child():
    seed_all(0)
    root = Node(Tree(COUNT_ONES, (1,)))
    seen = set()
    for expected_left in (2, 1, 0):
        child = MCTS()._expand(root)
        assert child.action in (0, 1, 2) and child.action not in seen
        seen.add(child.action)
        assert child.action not in root.untried_actions and len(root.untried_actions) == expected_left
        assert root.children[child.action] is child
        assert child.parent is root and child.action is not None
        assert child.state.path == (1, child.action)
        assert child.visit_count == 0 and child.total_value == 0.0
    assert root.state.path == (1,)
    assert seen == {0, 1, 2}


def test_select_descends_by_uct():
    seed_all(1)
    mcts = MCTS()
    fresh = Node(Tree(COUNT_ONES))
    assert mcts._select(fresh) is fresh

    root = Node(Tree(COUNT_ONES))
    root.visit_count = 30
    c0 = attach(root, 0, 10, 6.0)   # best mean
    c1 = attach(root, 1, 15, 7.5)   # most visits
    c2 = attach(root, 2, 5, 1.5)    # best UCT
    g0 = attach(c2, 0, 2, 1.2)      # best UCT with ln(5), not with ln(30)
    attach(c2, 1, 2, 0.2)
    g2 = attach(c2, 2, 1, 0.0)
    assert max((c0, c1, c2), key=lambda n: uct(n, 30)) is c2
    assert max(c2.children.values(), key=lambda n: uct(n, 5)) is g0
    assert max(c2.children.values(), key=lambda n: uct(n, 30)) is g2
    assert mcts._select(root) is g0, "the first not fully expanded node on the max-UCT path"

    # a fully expanded node whose children are leaves: the descent stops at a terminal leaf
    parent = Node(Tree(COUNT_ONES, (0, 2)))
    parent.visit_count = 6
    for action, (visits, value) in {0: (3, 2.1), 1: (2, 0.6), 2: (1, 0.0)}.items():
        attach(parent, action, visits, value)
    expected = max(parent.children.values(), key=lambda n: uct(n, 6))
    assert expected.state.is_terminal() and expected is not parent.children[0]
    assert mcts._select(parent) is expected


def test_simulate_random_playout():
    seed_all(2)
    mcts = MCTS()
    root_state = Tree(COUNT_ONES)
    rewards = [mcts._simulate(root_state) for _ in range(3000)]
    assert all(isinstance(r, float) for r in rewards)
    assert abs(np.mean(rewards) - 1 / 3) < 0.03, np.mean(rewards)
    assert root_state.path == (), "the playout must not change the given state"
    deep = Tree(COUNT_ONES, (1, 1))
    assert abs(np.mean([mcts._simulate(deep) for _ in range(3000)]) - 7 / 9) < 0.03
    leaf = Tree(COUNT_ONES, (1, 0, 1))
    assert mcts._simulate(leaf) == COUNT_ONES[(1, 0, 1)]


def test_backpropagate_whole_path():
    root = Node(Tree(COUNT_ONES))
    a = attach(root, 1, 3, 1.0)
    sibling = attach(root, 2, 4, 2.0)
    b = attach(a, 0, 2, 0.5)
    leaf = attach(b, 2, 0, 0.0)
    before = {id(n): (n.visit_count, n.total_value) for n in (root, a, b, leaf, sibling)}
    mcts = MCTS()
    mcts._backpropagate(leaf, 0.7)
    mcts._backpropagate(leaf, 0.7)
    for n in (root, a, b, leaf):
        visits, value = before[id(n)]
        assert n.visit_count == visits + 2
        assert abs(n.total_value - (value + 1.4)) < 1e-9
    assert (sibling.visit_count, sibling.total_value) == before[id(sibling)]


# 6-8: whole searches ---------------------------------------------------------------------------

def test_search_tree_invariants():
    seed_all(3)
    rng = random.Random(3)
    rewards = {leaf: rng.random() for leaf in LEAVES}
    mcts = MCTS(n_simulations=200)
    simulated, targets = [], []
    real_simulate, real_backpropagate = mcts._simulate, mcts._backpropagate

    def spy_simulate(state):
        reward = real_simulate(state)
        simulated.append(reward)
        return reward

    def spy_backpropagate(node, reward):
        targets.append(node)
        return real_backpropagate(node, reward)

    mcts._simulate, mcts._backpropagate = spy_simulate, spy_backpropagate
    state = Tree(rewards)
    action = mcts.search(state)
    assert state.path == (), "search must not change the caller's state"
    assert len(simulated) == 200 and len(targets) == 200
    root = targets[0]
    while root.parent is not None:
        root = root.parent
    assert root.visit_count == 200
    assert abs(root.total_value - sum(simulated)) < 1e-6
    assert action == max(root.children, key=lambda a: root.children[a].visit_count)
    for node in walk(root):
        legal = set(node.state.get_legal_actions())
        assert set(node.children) | set(node.untried_actions) == legal
        assert not set(node.children) & set(node.untried_actions)
        assert node.visit_count >= sum(c.visit_count for c in node.children.values())
        for act, child in node.children.items():
            assert child.parent is node and child.action == act
            assert child.state.path == node.state.path + (act,)


def test_search_finds_best_leaf():
    rewards = best_leaf_rewards()
    hits = 0
    for seed in range(20):
        seed_all(seed)
        hits += MCTS(n_simulations=400).search(Tree(rewards)) == 2
    assert hits >= 18, f"action 2 chosen in {hits} of 20 seeds"


def test_search_goal_directed():
    hits = 0
    for seed in range(20):
        seed_all(100 + seed)
        hits += MCTS(n_simulations=300).search(HorizonGrid()) in ("right", "down")
    assert hits >= 18, f"a move towards the goal in {hits} of 20 seeds"


def test_exploration_constant_kept():
    assert mcts_module.C_PUCT == 1.38
