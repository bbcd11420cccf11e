"""Visible tests for the MCTS (run with `pytest test_mcts.py` or `python test_mcts.py`)."""
import random
import sys

import pytest

from mcts import MCTS, Node, State

MOVES = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}


class GridWorld(State):
    """A size x size grid; the agent starts at (0, 0) and the game ends at the opposite corner."""

    def __init__(self, size=3, position=(0, 0)):
        self.size = size
        self.position = position
        self.goal = (size - 1, size - 1)

    def get_legal_actions(self):
        if self.is_terminal():
            return []
        x, y = self.position
        return [name for name, (dx, dy) in MOVES.items()
                if 0 <= x + dx < self.size and 0 <= y + dy < self.size]

    def is_terminal(self):
        return self.position == self.goal

    def get_reward(self):
        if self.is_terminal():
            return 1.0
        distance = abs(self.goal[0] - self.position[0]) + abs(self.goal[1] - self.position[1])
        return -distance / (2 * self.size)

    def clone(self):
        return GridWorld(self.size, self.position)

    def apply_action(self, action):
        dx, dy = MOVES[action]
        self.position = (self.position[0] + dx, self.position[1] + dy)


@pytest.fixture(autouse=True)
def seeded():
    random.seed(0)


def test_node_initialisation():
    state = GridWorld()
    node = Node(state)
    assert node.state is state and node.parent is None and node.action is None
    assert node.children == {} and node.visit_count == 0 and node.total_value == 0.0
    assert sorted(node.untried_actions) == ["down", "right"]


def test_expansion_bookkeeping():
    root = Node(GridWorld())
    child = MCTS()._expand(root)
    assert child.parent is root
    assert root.children[child.action] is child
    assert child.action not in root.untried_actions
    assert len(root.untried_actions) == 1


def test_uct_of_visited_child_exceeds_mean():
    root = Node(GridWorld())
    child = MCTS()._expand(root)
    child.visit_count, child.total_value = 4, 2.0
    root.visit_count = 10
    assert child.get_uct_value(root.visit_count) > child.total_value / child.visit_count


def test_simulation_returns_bounded_float():
    reward = MCTS()._simulate(GridWorld())
    assert isinstance(reward, float)
    assert -1.0 <= reward <= 1.0


def test_backpropagation_updates_child_and_root():
    root = Node(GridWorld())
    child = MCTS()._expand(root)
    MCTS()._backpropagate(child, 0.5)
    assert child.visit_count == 1 and child.total_value == 0.5
    assert root.visit_count == 1 and root.total_value == 0.5


def test_best_action_is_most_visited():
    root = Node(GridWorld())
    mcts = MCTS()
    first = mcts._expand(root)
    second = mcts._expand(root)
    first.visit_count, second.visit_count = 3, 7
    assert mcts._select_best_action(root) == second.action


def test_full_search_returns_legal_action():
    state = GridWorld()
    action = MCTS(n_simulations=50).search(state)
    assert action in state.get_legal_actions()
    assert state.position == (0, 0)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
