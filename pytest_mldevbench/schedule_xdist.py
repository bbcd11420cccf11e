"""An xdist scheduler that starts items in collection order (longest first, see schedule.py), one at a time.

An xdist worker starts an item only once it holds the next one (pytest passes `nextitem` to the run
protocol for teardown), so every busy worker is committed to one item beyond the one it runs. xdist's
`load` sends each worker a chunk of neighbouring items up front (the two longest trials would run back to
back on worker 0) and `worksteal` a contiguous block. Here:

- at the start, worker k gets item k (the N longest start at once) and, as its next, item 2N-1-k, so the
  worker with the longest trial is followed by the shortest of the second round;
- whenever a worker starts its next item it is sent one more. With expected durations, that is the item a
  list schedule re-planned from now would run next on it (every worker taking the longest pending item when
  it becomes free), or the shortest one if that plan gives it none; without them, the longest pending item;
- with nothing left pending, a worker is told to finish (it runs what it holds, then stops).
"""
from __future__ import annotations

import heapq
import time
from typing import Callable

from xdist.scheduler import LoadScheduling


class LongestFirstScheduling(LoadScheduling):
    """`LoadScheduling` with the hand-out above (bookkeeping, crash handling and the identical-collection
    check are xdist's). `expected_of(nodeid)` gives an item's expected seconds or None; a collection in which
    `is_trial(nodeid)` holds for no item (a test suite, not a benchmark run) is left to `LoadScheduling`."""

    def __init__(self, config, log=None, expected_of: Callable[[str], float | None] | None = None,
                 is_trial: Callable[[str], bool] | None = None, clock: Callable[[], float] = time.monotonic):
        super().__init__(config, log)
        self.expected_of, self.is_trial, self.clock = expected_of, is_trial, clock
        self.expected: list[float] = []
        self.running_since: dict = {}
        self.plain: bool | None = None  # no trial in the collection: xdist's own load scheduling

    def schedule(self) -> None:
        assert self.collection_is_completed
        if self.plain is None and self.is_trial is not None:
            collection = next(iter(self.node2collection.values()))
            self.plain = not any(self.is_trial(nodeid) for nodeid in collection)
        if self.plain:
            return super().schedule()
        if self.collection is not None:  # a node added later: refill everyone
            for node in self.nodes:
                self.check_schedule(node)
            return
        if not self._check_nodes_have_same_collection():
            self.log("**Different tests collected, aborting run**")
            return
        self.collection = next(iter(self.node2collection.values()))
        self.pending[:] = range(len(self.collection))
        self.expected = self._expectations(self.collection)
        nodes = self.nodes
        for node in nodes:
            self._hand_out(node, 0)
        # second round: without expected durations, last worker first (a snake: the worker with the longest
        # item gets the shortest of the round); with them, the longest item's worker first, so the items no
        # plan gives a worker (the shortest) go to those that will be busy longest
        for node in (nodes if self.expected else reversed(nodes)):
            self._hand_out(node, self._pick(node))
        if not self.pending:
            for node in nodes:
                node.shutdown()

    def check_schedule(self, node, duration: float = 0) -> None:
        if self.plain:
            return super().check_schedule(node, duration)
        if node.shutting_down:
            return
        if not self.pending:
            node.shutdown()
            return
        while self.pending and len(self.node2pending[node]) < 2:
            self._hand_out(node, self._pick(node) if self.node2pending[node] else 0)

    def _hand_out(self, node, position: int) -> None:
        """Send `node` the pending item at `position`; with two held, it starts the first now."""
        if not self.pending:
            return
        index = self.pending.pop(min(position, len(self.pending) - 1))
        self.node2pending[node].append(index)
        node.send_runtest_some([index])
        if len(self.node2pending[node]) == 2:
            self.running_since[node] = self.clock()

    def _pick(self, node) -> int:
        """Position in `pending` of the item a list schedule over expected durations would run next on `node`
        (each worker takes the longest pending item when it becomes free); the shortest pending item if that
        schedule gives `node` none; the longest without expected durations."""
        if not self.expected:
            return 0
        now = self.clock()
        free = [(self._free_at(n, now), i, n is node) for i, n in enumerate(self.nodes)
                if n is node or not n.shutting_down]
        heapq.heapify(free)
        for position, index in enumerate(self.pending):
            at, i, mine = heapq.heappop(free)
            if mine:
                return position
            heapq.heappush(free, (at + self.expected[index], i, mine))
        return len(self.pending) - 1

    def _free_at(self, node, now: float) -> float:
        held = self.node2pending.get(node, [])
        if not held:
            return now
        at = max(now, self.running_since.get(node, now) + self.expected[held[0]])
        return at + sum(self.expected[i] for i in held[1:])

    def _expectations(self, collection: list[str]) -> list[float]:
        """Expected seconds per collection index; unknown ones count as the mean of the known ([] if none)."""
        if self.expected_of is None:
            return []
        known = [self.expected_of(nodeid) for nodeid in collection]
        values = [v for v in known if v is not None]
        if not values:
            return []
        mean = sum(values) / len(values)
        return [mean if v is None else v for v in known]
