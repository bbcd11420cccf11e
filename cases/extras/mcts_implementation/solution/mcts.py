"""Single-player Monte Carlo Tree Search with UCT.

Given: ``State`` (the game interface), ``Node.__init__``, ``Node.is_fully_expanded``,
``Node.is_terminal``, ``MCTS.__init__`` and ``MCTS._select_best_action``. To implement:
``Node.get_uct_value``, the loop body of ``MCTS.search``, ``MCTS._select``, ``MCTS._expand``,
``MCTS._simulate`` and ``MCTS._backpropagate``.
"""
import math
import random
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional

# exploration constant of the UCT formula
C_PUCT = 1.38


class State(ABC):
    """A state of a single-player game."""

    @abstractmethod
    def get_legal_actions(self) -> List[Any]:
        """Actions available in this state (an empty list for terminal states)."""

    @abstractmethod
    def is_terminal(self) -> bool:
        """Whether the game is over."""

    @abstractmethod
    def get_reward(self) -> float:
        """The reward of this state (meaningful for terminal states)."""

    @abstractmethod
    def clone(self) -> "State":
        """An independent copy of this state."""

    @abstractmethod
    def apply_action(self, action: Any) -> None:
        """Apply an action to this state in place."""


class Node:
    """A node of the search tree."""

    def __init__(self, state: State, parent: Optional["Node"] = None, action: Any = None):
        self.state = state
        self.parent = parent
        self.action = action
        self.children: Dict[Any, "Node"] = {}
        self.visit_count = 0
        self.total_value = 0.0
        self.untried_actions = state.get_legal_actions()

    def is_fully_expanded(self) -> bool:
        return len(self.untried_actions) == 0

    def is_terminal(self) -> bool:
        return self.state.is_terminal()

    def get_uct_value(self, total_visits: int) -> float:
        """UCT value of this node given its parent's visit count ``total_visits``:
        ``total_value / visit_count + C_PUCT * sqrt(ln(total_visits) / visit_count)``.
        How an unvisited node (visit_count 0) is scored is up to you.
        """
        if self.visit_count == 0:
            return math.inf
        exploit = self.total_value / self.visit_count
        explore = C_PUCT * math.sqrt(math.log(total_visits) / self.visit_count)
        return exploit + explore


class MCTS:
    """UCT search for single-player games."""

    def __init__(self, n_simulations: int = 100):
        self.n_simulations = n_simulations

    def search(self, state: State) -> Any:
        """Run ``n_simulations`` simulations from ``state`` and return the best action.

        Every simulation must use the four phase methods: ``_select`` from the root, ``_expand``
        the selected node if it is neither terminal nor fully expanded, ``_simulate`` from the
        resulting node's state, and ``_backpropagate`` the reward from that node. The caller's
        ``state`` must not be changed.
        """
        root = Node(state.clone())
        for _ in range(self.n_simulations):
            node = self._select(root)
            if not node.is_terminal() and not node.is_fully_expanded():
                node = self._expand(node)
            reward = self._simulate(node.state)
            self._backpropagate(node, reward)
        return self._select_best_action(root)

    def _select(self, node: Node) -> Node:
        """Descend from ``node`` while the current node is fully expanded and not terminal, each
        time to the child with the highest UCT value (given the current node's visit count);
        return the first node that is terminal or still has untried actions."""
        while not node.is_terminal() and node.is_fully_expanded():
            parent_visits = node.visit_count
            node = max(node.children.values(), key=lambda child: child.get_uct_value(parent_visits))
        return node

    def _expand(self, node: Node) -> Node:
        """Take one action out of ``node.untried_actions``, create the child node for the state it
        leads to (the parent's state must stay unchanged), register it in ``node.children`` under
        that action and return it."""
        action = node.untried_actions.pop(random.randrange(len(node.untried_actions)))
        child_state = node.state.clone()
        child_state.apply_action(action)
        child = Node(child_state, parent=node, action=action)
        node.children[action] = child
        return child

    def _simulate(self, state: State) -> float:
        """Play uniformly random legal actions from a copy of ``state`` until a terminal state and
        return that state's reward as a float (the reward of ``state`` itself if it is terminal)."""
        state = state.clone()
        while not state.is_terminal():
            state.apply_action(random.choice(state.get_legal_actions()))
        return float(state.get_reward())

    def _backpropagate(self, node: Node, reward: float) -> None:
        """Add one visit and ``reward`` to ``node`` and to every one of its ancestors."""
        while node is not None:
            node.visit_count += 1
            node.total_value += reward
            node = node.parent

    def _select_best_action(self, node: Node) -> Any:
        """The action of the most visited child."""
        best_action, _ = max(node.children.items(), key=lambda item: item[1].visit_count)
        return best_action
