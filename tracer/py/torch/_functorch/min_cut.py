"""Minimum s-t cut of a capacitated directed graph (the partitioner's flow problem).

Max flow by Dinic's algorithm on integer capacities. Infinite capacities are replaced by a
number larger than every finite cut, as networkx does; if the flow reaches it, no finite cut
exists. Of all minimum cuts, the one returned has the smallest sink side: the nodes that can
still reach the sink in the residual graph (the same cut networkx's `minimum_cut` reports,
whatever maximum flow was found)."""

import math
from collections import deque


class Unbounded(Exception):
    """Every source-sink cut crosses an edge of infinite capacity."""


class FlowGraph:
    def __init__(self):
        self.capacity = {}  # (u, v) -> capacity; adding an edge again replaces it (networkx)
        self.reasons = {}

    def add_edge(self, u, v, capacity, reason=None):
        self.capacity[(u, v)] = capacity
        if reason is not None:
            self.reasons[(u, v)] = reason

    def successors(self, u):
        return [v for (a, v) in self.capacity if a == u]


def minimum_cut(graph, source, sink):
    """(cut value, (source side, sink side)) of `graph`, a FlowGraph."""
    index = {}
    names = []

    def node(name):
        i = index.get(name)
        if i is None:
            i = index[name] = len(names)
            names.append(name)
        return i

    node(source)
    node(sink)
    finite = sum(c for c in graph.capacity.values() if c != math.inf)
    infinite = 3 * int(finite) + 1
    to, cap, adj = [], [], []

    def add(u, v, c):
        while len(adj) <= max(u, v):
            adj.append([])
        to.append(v)
        cap.append(c)
        adj[u].append(len(to) - 1)
        to.append(u)
        cap.append(0)
        adj[v].append(len(to) - 1)

    for (u, v), c in graph.capacity.items():
        add(node(u), node(v), infinite if c == math.inf else int(c))
    while len(adj) < len(names):
        adj.append([])
    s, t = index[source], index[sink]
    flow = _dinic(s, t, to, cap, adj, len(names))
    if flow >= infinite:
        raise Unbounded("no finite cut separates the source from the sink")
    # The sink side: nodes with a residual path to the sink.
    sink_side = {t}
    queue = deque([t])
    while queue:
        v = queue.popleft()
        for e in adj[v]:
            w = to[e]
            if w not in sink_side and cap[e ^ 1] > 0:
                sink_side.add(w)
                queue.append(w)
    sink_names = {names[i] for i in sink_side}
    source_names = {n for n in names if n not in sink_names}
    return flow, (source_names, sink_names)


def _dinic(s, t, to, cap, adj, n):
    total = 0
    while True:
        level = [-1] * n
        level[s] = 0
        queue = deque([s])
        while queue:
            v = queue.popleft()
            for e in adj[v]:
                if cap[e] > 0 and level[to[e]] < 0:
                    level[to[e]] = level[v] + 1
                    queue.append(to[e])
        if level[t] < 0:
            return total
        cursor = [0] * n
        while True:
            pushed = _augment(s, t, to, cap, adj, level, cursor)
            if not pushed:
                break
            total += pushed


def _augment(s, t, to, cap, adj, level, cursor):
    """One blocking-flow augmenting path, found iteratively (graphs can be deep)."""
    path = []  # edge indices from s
    v = s
    while True:
        if v == t:
            pushed = min(cap[e] for e in path)
            for e in path:
                cap[e] -= pushed
                cap[e ^ 1] += pushed
            return pushed
        edges = adj[v]
        while cursor[v] < len(edges):
            e = edges[cursor[v]]
            w = to[e]
            if cap[e] > 0 and level[w] == level[v] + 1:
                break
            cursor[v] += 1
        if cursor[v] == len(edges):
            if not path:
                return 0
            # Dead end: retreat and skip the edge that led here.
            level[v] = -1
            e = path.pop()
            v = to[e ^ 1]
            cursor[v] += 1
            continue
        e = edges[cursor[v]]
        path.append(e)
        v = to[e]
