"""Probes of mcts_implementation (run in the untrusted process, on the agent's mcts.py).

The games are the judge's: `Tree` (a path game of given depth and branching whose leaves pay the rewards the
judge drew, one distinct reward per leaf) and `HorizonGrid` (5x5, from (2, 2) to the goal (4, 4), at most 6
moves). Each probe builds what the judge described, calls the agent's methods and records what they did.
"""
import random


def game_classes():
    from mcts import State

    class Tree(State):
        def __init__(self, game, path=()):
            self.game, self.path = game, tuple(path)

        def get_legal_actions(self):
            return [] if self.is_terminal() else list(range(self.game["branching"]))

        def is_terminal(self):
            return len(self.path) == self.game["depth"]

        def get_reward(self):
            if not self.is_terminal():
                return 0.0
            index = 0
            for action in self.path:
                index = index * self.game["branching"] + action
            return float(self.game["rewards"][index])

        def clone(self):
            return Tree(self.game, self.path)

        def apply_action(self, action):
            if action not in self.get_legal_actions():
                raise ValueError(f"illegal action {action!r} at {self.path}")
            self.path = self.path + (action,)

    class HorizonGrid(State):
        moves = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}

        def __init__(self, position=(2, 2), steps=0):
            self.position, self.steps = position, steps

        def get_legal_actions(self):
            if self.is_terminal():
                return []
            x, y = self.position
            return [m for m, (dx, dy) in self.moves.items() if 0 <= x + dx < 5 and 0 <= y + dy < 5]

        def is_terminal(self):
            return self.position == (4, 4) or self.steps >= 6

        def get_reward(self):
            if self.position == (4, 4):
                return 1.0
            return -(abs(4 - self.position[0]) + abs(4 - self.position[1])) / 10

        def clone(self):
            return HorizonGrid(self.position, self.steps)

        def apply_action(self, action):
            dx, dy = self.moves[action]
            self.position, self.steps = (self.position[0] + dx, self.position[1] + dy), self.steps + 1

    return Tree, HorizonGrid


def number(x):
    return x if isinstance(x, float) else repr(x)


def build(game, spec):
    """The hand-built tree `spec` ({"path", "visits", "value", "children": [...]}) from the agent's Node."""
    from mcts import Node
    Tree, _ = game_classes()
    nodes = {}

    def make(s, parent):
        node = Node(Tree(game, s["path"]), parent=parent, action=s["path"][-1] if s["path"] else None)
        node.visit_count, node.total_value = s["visits"], s["value"]
        nodes[tuple(s["path"])] = node
        for c in s["children"]:
            node.children[c["path"][-1]] = make(c, node)
            node.untried_actions.remove(c["path"][-1])
        return node

    return make(spec, None), nodes


def dump(root):
    """Every node reachable through `children`: its key path, its state's path, statistics, untried actions."""
    out, stack = [], [((), root, None)]
    while stack:
        key, node, parent = stack.pop()
        out.append({"key": list(key), "path": list(node.state.path), "visits": node.visit_count,
                    "value": number(node.total_value), "untried": list(node.untried_actions),
                    "parent_ok": node.parent is parent, "action": node.action})
        stack.extend((key + (a,), c, node) for a, c in node.children.items())
    return out


def uct(inputs):
    import mcts
    from mcts import Node
    Tree, _ = game_classes()
    node = Node(Tree(inputs["select"][0]["game"]))
    values = []
    for value, visits, total in inputs["uct"]:
        node.total_value, node.visit_count = value, visits
        values.append(number(node.get_uct_value(total)))
    return {"values": values, "C_PUCT": mcts.C_PUCT}


def expand(inputs):
    from mcts import MCTS, Node
    Tree, _ = game_classes()
    case = inputs["expand"]
    random.seed(case["seed"])
    root = Node(Tree(case["game"], case["path"]))
    steps = []
    while root.untried_actions and len(steps) < 10:
        child = MCTS()._expand(root)
        steps.append({"action": child.action, "path": list(child.state.path), "untried": list(root.untried_actions),
                      "registered": root.children.get(child.action) is child, "parent_ok": child.parent is root,
                      "visits": child.visit_count, "value": number(child.total_value)})
    return {"steps": steps, "root_path": list(root.state.path)}


def select(inputs):
    from mcts import MCTS
    paths = []
    for case in inputs["select"]:
        root, _ = build(case["game"], case["tree"])
        paths.append(list(MCTS()._select(root).state.path))
    return {"paths": paths}


def backpropagate(inputs):
    from mcts import MCTS
    case = inputs["backpropagate"]
    root, nodes = build(case["game"], case["tree"])
    for reward in case["rewards"]:
        MCTS()._backpropagate(nodes[tuple(case["target"])], reward)
    return {"tree": dump(root)}


def playouts(inputs):
    from mcts import MCTS
    Tree, _ = game_classes()
    case = inputs["playouts"]
    random.seed(case["seed"])
    out = []
    for start in case["starts"]:
        state = Tree(case["game"], start)
        rewards = [number(MCTS()._simulate(state)) for _ in range(case["n"])]
        out.append({"rewards": rewards, "after": list(state.path)})
    return {"starts": out}


def search_trace(inputs):
    """One search on a Tree with every phase call recorded (the four methods are wrapped on the instance)."""
    from mcts import MCTS
    Tree, _ = game_classes()
    case = inputs["search"]
    random.seed(case["seed"])
    mcts, trace, roots = MCTS(n_simulations=case["n"]), [], []
    real = {name: getattr(mcts, name) for name in ("_select", "_expand", "_simulate", "_backpropagate")}

    def spy_select(node):
        roots.append(node)
        out = real["_select"](node)
        trace.append(["select", list(node.state.path), list(out.state.path)])
        return out

    def spy_expand(node):
        out = real["_expand"](node)
        trace.append(["expand", list(node.state.path), list(out.state.path)])
        return out

    def spy_simulate(state):
        path = list(state.path)
        reward = real["_simulate"](state)
        trace.append(["simulate", path, number(reward)])
        return reward

    def spy_backpropagate(node, reward):
        trace.append(["backpropagate", list(node.state.path), number(reward)])
        return real["_backpropagate"](node, reward)

    mcts._select, mcts._expand, mcts._simulate, mcts._backpropagate = (spy_select, spy_expand, spy_simulate,
                                                                       spy_backpropagate)
    state = Tree(case["game"])
    action = mcts.search(state)
    return {"trace": trace, "action": action, "after": list(state.path),
            "one_root": all(r is roots[0] for r in roots), "tree": dump(roots[0]) if roots else []}


def searches(inputs):
    from mcts import MCTS
    Tree, HorizonGrid = game_classes()
    out = {}
    for name, case in inputs["searches"].items():
        chosen = []
        for seed in case["seeds"]:
            random.seed(seed)
            state = Tree(case["game"]) if case.get("game") else HorizonGrid()
            chosen.append(MCTS(n_simulations=case["n"]).search(state))
        out[name] = chosen
    return out


def run(name, inputs):
    return {"uct": uct, "expand": expand, "select": select, "backpropagate": backpropagate, "playouts": playouts,
            "search_trace": search_trace, "searches": searches}[name](inputs)
