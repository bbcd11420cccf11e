"""Judge of mcts_implementation (trusted: runs no agent code).

It builds the games and trees at grading time (path games whose leaves pay distinct drawn rewards, hand-built
trees with drawn statistics); the probes run the agent's methods on them and record what they returned. Here
everything is recomputed: UCT values from the formula, the node `_select` must reach, the statistics after
back-propagation, which leaf each playout's reward comes from, and a whole search replayed call by call (each
selection against a UCT descent over the statistics replayed so far, each expansion, playout and update).
"""
import math
import random
from collections import Counter

from mldb_judge import Checks

C = 1.38
PROBES = ["uct", "expand", "select", "backpropagate", "playouts", "search_trace", "searches"]


def game(rng, depth, branching):
    rewards = []
    while len(set(rewards)) < branching ** depth:  # distinct: a reward identifies its leaf
        rewards = [round(rng.uniform(-1, 2), 6) for _ in range(branching ** depth)]
    return {"depth": depth, "branching": branching, "rewards": rewards}


def leaf_of(g):
    """reward -> leaf path, for games with distinct rewards."""
    out = {}
    for index, reward in enumerate(g["rewards"]):
        path, i = [], index
        for _ in range(g["depth"]):
            path.insert(0, i % g["branching"])
            i //= g["branching"]
        out[reward] = tuple(path)
    return out


def uct(value, visits, total):
    return value / visits + C * math.sqrt(math.log(total) / visits)


SCORES = {"uct": lambda c, n, root: uct(c["value"], c["visits"], n),
          "exploit only": lambda c, n, root: c["value"] / c["visits"],
          "log of own visits": lambda c, n, root: uct(c["value"], c["visits"], c["visits"]),
          "root's visits": lambda c, n, root: uct(c["value"], c["visits"], root)}


def descend(tree, g, score="uct"):
    """Path of the node a UCT selection reaches in `tree`; None when two children tie."""
    node = tree
    while len(node["path"]) < g["depth"] and len(node["children"]) == g["branching"]:
        scored = sorted(((SCORES[score](c, node["visits"], tree["visits"]), i) for i, c in enumerate(node["children"])),
                        reverse=True)
        if scored[0][0] - scored[1][0] < 1e-9:
            return None
        node = node["children"][scored[0][1]]
    return tuple(node["path"])


def random_tree(rng, g, path=(), visits=None):
    visits = visits or rng.randint(20, 60)
    node = {"path": list(path), "visits": visits, "value": round(rng.uniform(-1, 2) * visits, 6), "children": []}
    if len(path) == g["depth"] or visits < 2:
        return node
    full = rng.random() < 0.7 and visits - 1 >= g["branching"]
    k = g["branching"] if full else rng.randint(0, min(g["branching"] - 1, visits - 1))
    actions = sorted(rng.sample(range(g["branching"]), k))
    left = visits - 1
    for i, a in enumerate(actions):
        share = left - (k - i - 1) if i == k - 1 else rng.randint(1, left - (k - i - 1))
        left -= share
        node["children"].append(random_tree(rng, g, path + (a,), share))
    return node


def select_cases(rng):
    """Hand-built trees with one clear UCT descent, including some where each wrong rule descends elsewhere."""
    cases, differ = [], Counter()
    for _ in range(500):
        g = game(rng, 3, 3)
        tree = random_tree(rng, g)
        answers = {name: descend(tree, g, name) for name in SCORES}
        if answers["uct"] is None:
            continue
        wrong = [name for name in SCORES if name != "uct" and answers[name] != answers["uct"]]
        if len(cases) >= 8 and not any(differ[name] < 2 for name in wrong):
            continue
        differ.update(wrong)
        cases.append({"game": g, "tree": tree, "expected": list(answers["uct"])})
        if len(cases) >= 12 and all(differ[name] >= 2 for name in SCORES if name != "uct"):
            break
    return cases


def deceptive_game(rng):
    """Depth 3, branching 3: one action always pays 0.3, one pays 0.6 on 6 of 9 leaves, one pays 1.0 on a single
    leaf; a working search picks the last (its action labels and leaves drawn)."""
    safe, wide, narrow = rng.sample(range(3), 3)
    bad_second, good = rng.randrange(3), (rng.randrange(3), rng.randrange(3))
    rewards = []
    for index in range(27):
        a, b, c = index // 9, index // 3 % 3, index % 3
        rewards.append(0.3 if a == safe else (0.6 if b != bad_second else 0.0) if a == wide
                       else 1.0 if (b, c) == good else 0.0)
    return {"depth": 3, "branching": 3, "rewards": rewards}, narrow


def inputs(seed, profile):
    rng = random.Random(seed)
    uct_cases = [[round(rng.uniform(-2, 2) * v, 6), v, rng.randint(v, 1000)] for v in rng.sample(range(1, 50), 7)]
    uct_cases.append([0.7, 3, 1])
    g_back = game(rng, 3, 3)
    tree = random_tree(rng, g_back)
    nodes, stack = [], [tree]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node["children"])
    target = max(nodes, key=lambda n: (len(n["path"]), rng.random()))["path"]
    g_play = game(rng, 3, 3)
    leaf = [rng.randrange(3) for _ in range(3)]
    deceptive, best = deceptive_game(rng)
    return {"probes": PROBES, "uct": uct_cases, "select": select_cases(rng),
            "expand": {"game": game(rng, 3, 4), "path": [rng.randrange(4) for _ in range(rng.randint(0, 2))],
                       "seed": rng.randrange(2**30)},
            "backpropagate": {"game": g_back, "tree": tree, "target": target,
                              "rewards": [round(rng.uniform(-1, 2), 6) for _ in range(3)]},
            "playouts": {"game": g_play, "starts": [[], leaf[:1], leaf], "n": 3000, "seed": rng.randrange(2**30)},
            "search": {"game": game(rng, 4, 3), "n": rng.randint(150, 300), "seed": rng.randrange(2**30)},
            "searches": {"deceptive": {"game": deceptive, "best": [best], "n": 400,
                                       "seeds": [rng.randrange(2**30) for _ in range(20)]},
                         "grid": {"best": ["right", "down"], "n": 300, "seeds": [rng.randrange(2**30) for _ in range(20)]}}}


def check_tree(dumped, stats, g):
    """The dumped tree has exactly the nodes of `stats` (path -> [visits, value]) with those statistics, and
    children + untried actions = the legal actions of every node."""
    got = {tuple(n["key"]): n for n in dumped}
    assert set(got) == set(stats), f"tree nodes {sorted(set(got) ^ set(stats))[:5]} differ from the expected tree"
    for path, (visits, value) in stats.items():
        n = got[path]
        assert tuple(n["path"]) == path, f"the node under {path} holds the state {n['path']}"
        assert n["parent_ok"] and (not path or n["action"] == path[-1]), f"node {path}: wrong parent or action"
        assert n["visits"] == visits, f"node {path}: {n['visits']} visits, expected {visits}"
        assert isinstance(n["value"], float) and abs(n["value"] - value) <= 1e-6 * max(1, abs(value)), \
            f"node {path}: total value {n['value']}, expected {value:.6f}"
        children = {p[-1] for p in stats if len(p) == len(path) + 1 and p[:-1] == path}
        legal = set(range(g["branching"])) if len(path) < g["depth"] else set()
        untried = set(n["untried"])
        assert not children & untried and children | untried == legal and len(untried) == len(n["untried"]), \
            f"node {path}: children {sorted(children)} and untried {n['untried']} do not split the legal actions"


def replay(obs, case):
    """Replay a recorded search: every call in order, each against the reference; returns the final statistics."""
    g, n = case["game"], case["n"]
    leaves = leaf_of(g)
    stats = {(): [0, 0.0]}
    trace = [(kind, tuple(path), out) for kind, path, out in obs["trace"]]
    i = 0
    for sim in range(n):
        def take(kind):
            nonlocal i
            assert i < len(trace), f"simulation {sim + 1}: no {kind} call (the trace has {len(trace)} calls)"
            event = trace[i]
            assert event[0] == kind, f"simulation {sim + 1}: {event[0]} called where {kind} was expected"
            i += 1
            return event
        _, start, selected = take("select")
        assert start == (), f"simulation {sim + 1}: _select called on {start}, not on the root"
        tree = to_tree(stats)
        expected = descend(tree, g)
        assert expected is None or tuple(selected) == expected, \
            f"simulation {sim + 1}: _select reached {tuple(selected)}, a UCT descent reaches {expected}"
        node = tuple(selected)
        children = {p[-1] for p in stats if len(p) == len(node) + 1 and p[:-1] == node}
        if len(node) < g["depth"] and len(children) < g["branching"]:
            _, parent, child = take("expand")
            child = tuple(child)
            assert parent == node and child[:-1] == node and child[-1] in set(range(g["branching"])) - children, \
                f"simulation {sim + 1}: _expand({parent}) returned {child}, not a new child of {node}"
            stats[child] = [0, 0.0]
            node = child
        _, simulated, reward = take("simulate")
        assert simulated == node, f"simulation {sim + 1}: simulated from {simulated}, expected {node}"
        assert isinstance(reward, float) and reward in leaves and leaves[reward][:len(node)] == node, \
            f"simulation {sim + 1}: reward {reward!r} is not the reward of a leaf below {node}"
        _, target, back = take("backpropagate")
        assert target == node and back == reward, \
            f"simulation {sim + 1}: back-propagated {back!r} from {target}, expected {reward} from {node}"
        for k in range(len(node) + 1):
            stats[node[:k]][0] += 1
            stats[node[:k]][1] += reward
    assert i == len(trace), f"{len(trace) - i} calls after the last of {n} simulations"
    return stats


def to_tree(stats):
    nodes = {p: {"path": list(p), "visits": v, "value": s, "children": []} for p, (v, s) in stats.items()}
    for p in sorted(stats, key=len):
        if p:
            nodes[p[:-1]]["children"].append(nodes[p])
    return nodes[()]


def judge(inputs, observed, profile):
    checks = Checks()
    with checks.check("get_uct_value = total_value/visit_count + 1.38*sqrt(ln(total_visits)/visit_count), a float, "
                      "on grading-time statistics"):
        got = observed.need("uct")
        assert got["C_PUCT"] == C, f"C_PUCT is {got['C_PUCT']}"
        for (value, visits, total), v in zip(inputs["uct"], got["values"]):
            expected = uct(value, visits, total)
            assert isinstance(v, float) and abs(v - expected) <= 1e-9 * max(1, abs(expected)), \
                f"value {value}, visits {visits}, parent visits {total}: got {v!r}, expected {expected}"
        assert len(got["values"]) == len(inputs["uct"]), "missing values"
    with checks.check("_expand takes each untried action once, builds the child's state from a clone and registers "
                      "the child; the parent's state stays unchanged"):
        got, case = observed.need("expand"), inputs["expand"]
        start, legal = tuple(case["path"]), set(range(case["game"]["branching"]))
        assert len(got["steps"]) == len(legal), f"{len(got['steps'])} expansions until no action was left, expected {len(legal)}"
        taken = set()
        for s in got["steps"]:
            a = s["action"]
            assert a in legal - taken, f"expanded action {a!r}: not an untried action"
            taken.add(a)
            assert tuple(s["path"]) == start + (a,), f"child of {start} by {a} holds the state {s['path']}"
            assert sorted(s["untried"]) == sorted(legal - taken), f"untried actions {s['untried']} after taking {sorted(taken)}"
            assert s["registered"] and s["parent_ok"], "the child is not children[action] or its parent is not the node"
            assert s["visits"] == 0 and s["value"] == 0.0, "a new child has statistics"
        assert tuple(got["root_path"]) == start, f"the parent's state changed to {got['root_path']}"
    with checks.check("_select descends by UCT (with each node's own visit count) on hand-built trees and stops at the "
                      "first terminal or not fully expanded node"):
        got = observed.need("select")["paths"]
        assert len(got) == len(inputs["select"]), "missing selections"
        for k, (case, path) in enumerate(zip(inputs["select"], got)):
            assert path == case["expected"], f"tree {k}: reached {path}, expected {case['expected']}"
    with checks.check("_backpropagate adds each visit and reward to the node and every ancestor, nothing else"):
        case = inputs["backpropagate"]
        stats, stack = {}, [case["tree"]]
        while stack:
            node = stack.pop()
            stats[tuple(node["path"])] = [node["visits"], node["value"]]
            stack.extend(node["children"])
        target = tuple(case["target"])
        for k in range(len(target) + 1):
            stats[target[:k]][0] += len(case["rewards"])
            stats[target[:k]][1] += sum(case["rewards"])
        check_tree(observed.need("backpropagate")["tree"], stats, case["game"])
    with checks.check("_simulate plays uniformly random legal moves from a copy to a terminal state and returns its reward"):
        got, case = observed.need("playouts")["starts"], inputs["playouts"]
        leaves, n = leaf_of(case["game"]), case["n"]
        assert len(got) == len(case["starts"]), "missing playouts"
        for start, run in zip(case["starts"], got):
            start = tuple(start)
            assert tuple(run["after"]) == start, f"the state {start} was changed to {run['after']}"
            assert len(run["rewards"]) == n, f"{len(run['rewards'])} playouts, expected {n}"
            bad = [r for r in run["rewards"] if not isinstance(r, float) or r not in leaves or leaves[r][:len(start)] != start]
            assert not bad, f"from {start}: {len(bad)} rewards are not those of a leaf below it, e.g. {bad[0]!r}"
            for depth, band in ((len(start) + 1, 0.15), (len(start) + 2, 0.25)):
                if depth > case["game"]["depth"]:
                    continue
                counts = Counter(leaves[r][:depth] for r in run["rewards"])
                expected = n / case["game"]["branching"] ** (depth - len(start))
                assert len(counts) == case["game"]["branching"] ** (depth - len(start)) and all(
                    abs(c - expected) <= band * expected for c in counts.values()), \
                    f"from {start}: the playouts' moves are not uniform ({dict(counts)}; about {expected:.0f} each expected)"
    with checks.check("a whole search replayed call by call: select from the root by UCT over the statistics so far, "
                      "expand when not terminal and not fully expanded, simulate that node, back-propagate its reward; "
                      "the final tree, the chosen action and the caller's state agree"):
        got, case = observed.need("search_trace"), inputs["search"]
        assert got["one_root"], "_select was called on more than one root"
        stats = replay(got, case)
        check_tree(got["tree"], stats, case["game"])
        visits = {p[-1]: v for p, (v, _) in stats.items() if len(p) == 1}
        assert visits and visits.get(got["action"]) == max(visits.values()), \
            f"search returned {got['action']!r}; root children visits {visits}"
        assert got["after"] == [], f"the caller's state changed to {got['after']}"
    with checks.check("whole searches find the best move: a deceptive path game (400 simulations) and a 5x5 grid to "
                      "the goal (300 simulations), at least 16 of 20 grading-time seeds each"):
        got = observed.need("searches")
        for name, case in inputs["searches"].items():
            hits = sum(a in case["best"] for a in got.get(name, []))
            assert len(got.get(name, [])) == len(case["seeds"]) and hits >= 16, \
                f"{name}: the best move in {hits} of {len(case['seeds'])} searches"
    return checks
