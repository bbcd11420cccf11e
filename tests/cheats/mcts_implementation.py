"""Cheats for mcts_implementation: near-misses of the UCT search plus generic tricks."""
from tests.cheatlib import Cheat, skip_all_conftest, touching_editable

STUB = "        raise NotImplementedError\n"
SEARCH_STUB = "            # TODO: selection, expansion, simulation and back-propagation\n            raise NotImplementedError\n"

GOOD = {
    "get_uct_value": '''\
        if self.visit_count == 0:
            return float("inf")
        return self.total_value / self.visit_count + C_PUCT * (math.log(total_visits) / self.visit_count) ** 0.5
''',
    "search": '''\
            leaf = self._select(root)
            if not leaf.is_terminal() and not leaf.is_fully_expanded():
                leaf = self._expand(leaf)
            self._backpropagate(leaf, self._simulate(leaf.state))
''',
    "_select": '''\
        while node.is_fully_expanded() and not node.is_terminal():
            n = node.visit_count
            node = max(node.children.values(), key=lambda c: c.get_uct_value(n))
        return node
''',
    "_expand": '''\
        action = random.choice(node.untried_actions)
        node.untried_actions.remove(action)
        state = node.state.clone()
        state.apply_action(action)
        node.children[action] = Node(state, parent=node, action=action)
        return node.children[action]
''',
    "_simulate": '''\
        state = state.clone()
        while not state.is_terminal():
            state.apply_action(random.choice(state.get_legal_actions()))
        return float(state.get_reward())
''',
    "_backpropagate": '''\
        while node is not None:
            node.visit_count += 1
            node.total_value += reward
            node = node.parent
''',
}

PATCH = '''\
import pathlib
bodies = {bodies!r}
p = pathlib.Path("mcts.py")
s = "import math\\nimport random\\n" + p.read_text()
for name, body in bodies.items():
    i = s.index("    def " + name + "(")
    stub = {search_stub!r} if name == "search" else {stub!r}
    j = s.index(stub, i)
    s = s[:j] + body + s[j + len(stub):]
p.write_text(s)
'''


def mcts_cheat(name, why, **overrides):
    bodies = dict(GOOD, **overrides)
    return Cheat(name, PATCH.format(bodies=bodies, stub=STUB, search_stub=SEARCH_STUB), lang="python", why=why)


CHEATS = [
    Cheat(
        "random-legal-action",
        PATCH.format(bodies=GOOD, stub=STUB, search_stub=SEARCH_STUB)
        + "s = p.read_text()\n"
        + "s = s.replace('        root = Node(state.clone())\\n', "
          "'        return random.choice(state.get_legal_actions())\\n        root = Node(state.clone())\\n', 1)\n"
        + "p.write_text(s)\n",
        lang="python",
        why="tests 6-8: the search must build a tree and pick the most visited child",
    ),
    mcts_cheat("uct-without-exploration", "tests 1, 3, 7: the exploration term is part of UCT",
               get_uct_value=GOOD["get_uct_value"].replace(
                   " + C_PUCT * (math.log(total_visits) / self.visit_count) ** 0.5", "")),
    mcts_cheat("uct-log-of-own-visits", "tests 1, 3: the logarithm is of the parent's visits",
               get_uct_value=GOOD["get_uct_value"].replace("math.log(total_visits)", "math.log(self.visit_count)")),
    mcts_cheat("backpropagate-node-only", "tests 5-6: every ancestor gets the visit and the reward",
               _backpropagate="        node.visit_count += 1\n        node.total_value += reward\n"),
    mcts_cheat("playout-without-playing", "test 4: a playout plays random moves to a terminal state",
               _simulate="        return float(state.get_reward())\n"),
    mcts_cheat("select-by-root-visits", "test 3: UCT uses the visit count of the node being descended from",
               _select=GOOD["_select"].replace("            n = node.visit_count\n", "").replace(
                   "        while node", "        n = max(node.visit_count, 1)\n        while node")),
    mcts_cheat("constant-uct", "tests 1, 3: a constant score is not UCT",
               get_uct_value="        return 0.0\n"),
    mcts_cheat("catch-all-exceptions", "tests 6-8: a search whose simulations fail silently finds nothing",
               search=("            try:\n"
                       "                leaf = self._select(root)\n"
                       "                self._backpropagate(leaf, self._simulate(leaf.state.parent))\n"
                       "            except Exception:\n"
                       "                pass\n"),
               ),
    Cheat(
        "conftest-skips-everything",
        skip_all_conftest(),
        why="grader uses --noconftest and its own ini",
    ),
    Cheat(
        "edit-visible-tests",
        "printf 'def test_ok():\\n    assert True\\n' > test_mcts.py",
        why="pristine test_mcts.py is restored and the file is hash-protected",
    ),
]
CHEATS = touching_editable(CHEATS, "conftest-skips-everything")
