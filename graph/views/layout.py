"""Deterministic node positions, so that a view looks the same on every load.

The browser draws with physics off at the positions computed here: a seeded
Fruchterman–Reingold layout for whole networks, and rings around the centre for ego views.

>>> import networkx as nx
>>> spring_positions(nx.path_graph(3)) == spring_positions(nx.path_graph(3))
True
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence

import networkx as nx
import numpy as np

__all__ = ["spring_positions", "ring_positions", "spread", "relative_sizes", "anchored_layout", "SEED"]

#: Seed of every layout: the same graph always gets the same picture.
SEED = 20230724
#: Connected parts this large get :func:`anchored_layout`: networkx lays out 500 nodes or
#: more with scipy (not a dependency), and a force layout and label spreading of 450 nodes
#: took 11 s (a region's tasks over a year of 109 documents; anchored: 1.7 s).
LARGE = 300
#: Nodes the anchored layout places by force.
ANCHORS = 150


def _scaled(pos: Mapping[Hashable, Sequence[float]], size: float) -> dict[Hashable, tuple[int, int]]:
    return {n: (int(round(x * size)), int(round(y * size))) for n, (x, y) in pos.items()}


def relative_sizes(loads: Mapping[Hashable, float]) -> dict[Hashable, float]:
    """Node loads scaled to 0..1 the way vis-network scales ``value`` to a size.

    >>> relative_sizes({"a": 1, "b": 3})
    {'a': 0.0, 'b': 1.0}
    """
    if not loads:
        return {}
    low, high = min(loads.values()), max(loads.values())
    span = high - low
    return {k: (v - low) / span if span else 0.5 for k, v in loads.items()}


def spring_positions(graph: nx.Graph, *, spacing: float = 110.0, weight: str | None = None,
                     iterations: int = 300, sizes: Mapping[Hashable, float] | None = None
                     ) -> dict[Hashable, tuple[int, int]]:
    """Seeded spring layout in pixels, roughly ``spacing`` px between neighbours.

    Each connected component is laid out on its own and the components are packed in rows,
    largest first, so that isolated pairs do not fly to the corners. ``sizes`` (0..1, see
    :func:`relative_sizes`) keeps big nodes and their labels further apart.
    """
    if graph.number_of_nodes() == 0:
        return {}
    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes)
    simple.add_edges_from((u, v) for u, v in graph.edges() if u != v)
    components = sorted((sorted(c, key=str) for c in nx.connected_components(simple)),
                        key=lambda c: (-len(c), str(c[0])))
    groups = [c for c in components if len(c) > 1]
    singles = [c[0] for c in components if len(c) == 1]
    placed: dict[Hashable, tuple[int, int]] = {}
    x_cursor, y_cursor, row_height = 0.0, 0.0, 0.0
    row_width = spacing * max(6.0, 2.2 * math.sqrt(graph.number_of_nodes()))
    for nodes in groups:
        sub = simple.subgraph(nodes)
        for u, v in sub.edges():
            if weight and graph.has_edge(u, v):
                data = graph.get_edge_data(u, v)
                # MultiGraph: the strongest parallel edge; Graph: the edge itself.
                values = [d.get(weight, 1.0) for d in data.values()] if graph.is_multigraph() else [data.get(weight, 1.0)]
                sub.edges[u, v][weight] = max(values)
        if len(nodes) >= LARGE:
            raw = anchored_layout(sub, iterations=iterations)
        else:
            raw = nx.spring_layout(sub, seed=SEED, iterations=iterations, weight=weight)
        radius = spacing * 0.6 * math.sqrt(len(nodes)) + spacing * 0.5
        scaled = {k: (v[0] * radius, v[1] * radius) for k, v in raw.items()}
        # Pushing labels apart is quadratic in nodes and rounds: a minute at 1,000 nodes.
        local = scaled if len(nodes) >= LARGE else spread(scaled, spacing, sizes=sizes)
        xs = [x for x, _ in local.values()]
        ys = [y for _, y in local.values()]
        cx0, cy0 = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
        half_w = (max(xs) - min(xs)) / 2 + spacing * 0.5
        half_h = (max(ys) - min(ys)) / 2 + spacing * 0.5
        if x_cursor > 0 and x_cursor + 2 * half_w > row_width:
            x_cursor, y_cursor, row_height = 0.0, y_cursor + row_height + spacing * 0.4, 0.0
        for node, (x, y) in local.items():
            placed[node] = (int(round(x_cursor + half_w + x - cx0)), int(round(y_cursor + half_h + y - cy0)))
        x_cursor += 2 * half_w + spacing * 0.4
        row_height = max(row_height, 2 * half_h)
    # Nodes with no edge at all (a task nobody was assigned) line up underneath.
    if singles:
        y_cursor += row_height + (spacing * 0.6 if groups else 0.0)
        width = max(row_width, x_cursor) if groups else row_width
        step = spacing * 1.6
        per_row = max(1, int(width // step))
        used = min(per_row, len(singles)) * step
        x0 = max((width - used) / 2, 0.0) + step / 2 if groups else 0.0
        for i, node in enumerate(singles):
            placed[node] = (int(round(x0 + (i % per_row) * step)), int(round(y_cursor + (i // per_row) * spacing * 0.7)))
    return placed


def anchored_layout(graph: nx.Graph, *, anchors: int = ANCHORS, iterations: int = 300
                    ) -> dict[Hashable, tuple[float, float]]:
    """A layout (about -1..1, like :func:`networkx.spring_layout`) for networks too large
    for a force layout of every node: the ``anchors`` best-connected nodes by a spring
    layout of how they are linked (directly, or through a node they share, so that the two
    sides of a department–task network attract), every other node near the mean of its
    neighbours placed before it (nearest anchors first), fanned out on a golden-angle
    spiral. Deterministic.

    >>> G = nx.complete_bipartite_graph(3, 600)
    >>> pos = anchored_layout(G, anchors=3)
    >>> len(pos), pos == anchored_layout(G, anchors=3)
    (603, True)
    """
    ranked = sorted(graph.nodes, key=lambda n: (-graph.degree(n), str(n)))
    chosen = set(ranked[:anchors])
    linked = nx.Graph()
    linked.add_nodes_from(ranked[:anchors])

    def link(a: Hashable, b: Hashable) -> None:
        if linked.has_edge(a, b):
            linked.edges[a, b]["weight"] += 1
        else:
            linked.add_edge(a, b, weight=1)

    for u, v in graph.edges():
        if u in chosen and v in chosen and u != v:
            link(u, v)
    for node in ranked[anchors:]:
        near = sorted((m for m in graph[node] if m in chosen), key=str)
        for i, a in enumerate(near):
            for b in near[i + 1:]:
                link(a, b)
    pos: dict[Hashable, tuple[float, float]] = {
        n: (float(x), float(y)) for n, (x, y) in nx.spring_layout(linked, seed=SEED, iterations=iterations,
                                                                  weight="weight").items()}
    # The others in breadth-first order from the anchors, each at its placed neighbours.
    order: list[Hashable] = []
    seen = set(chosen)
    frontier = ranked[:anchors]
    while frontier:
        following = []
        for node in frontier:
            for m in sorted(graph[node], key=str):
                if m not in seen:
                    seen.add(m)
                    order.append(m)
                    following.append(m)
        frontier = following
    order.extend(n for n in ranked if n not in seen)  # not reachable (another component)
    step = 0.8 / math.sqrt(max(len(graph), 1))
    golden = math.pi * (3 - math.sqrt(5))
    fanned: dict[tuple[float, float], int] = {}
    for node in order:
        near = [pos[m] for m in graph[node] if m in pos]
        cx = sum(x for x, _ in near) / len(near) if near else 0.0
        cy = sum(y for _, y in near) / len(near) if near else 0.0
        key = (round(cx, 3), round(cy, 3))
        i = fanned.get(key, 0)
        fanned[key] = i + 1
        r = step * math.sqrt(i + 1)
        pos[node] = (cx + r * math.cos(i * golden), cy + r * math.sin(i * golden))
    return pos


def spread(pos: Mapping[Hashable, tuple[float, float]], spacing: float, *, aspect: float = 2.6,
           rounds: int = 400, limit: int = 1500, sizes: Mapping[Hashable, float] | None = None
           ) -> dict[Hashable, tuple[float, float]]:
    """Push apart nodes whose labels would overlap: labels are wide, so distances count
    horizontal offsets ``aspect`` times less than vertical ones, and big nodes (``sizes``,
    0..1) need more room. Deterministic; skipped above ``limit`` nodes (quadratic)."""
    keys = list(pos)
    if len(keys) < 2 or len(keys) > limit:
        return dict(pos)
    xy = np.array([pos[k] for k in keys], dtype=float)
    xy[:, 0] /= aspect
    size = np.array([(sizes or {}).get(k, 0.0) for k in keys], dtype=float)
    minimum = spacing * 0.5 + spacing * 0.3 * (size[:, None] + size[None, :])
    for _ in range(rounds):
        delta = xy[:, None, :] - xy[None, :, :]
        dist = np.sqrt((delta ** 2).sum(axis=2))
        np.fill_diagonal(dist, 1e12)
        close = dist < minimum
        if not close.any():
            break
        # Coincident points get a fixed, index-based direction instead of a random one.
        zero = dist == 0
        if zero.any():
            i, j = np.nonzero(zero)
            delta[i, j] = np.stack([np.cos(i + 2.0 * j), np.sin(i + 2.0 * j)], axis=1)
            dist[i, j] = 1.0
        push = np.where(close, (minimum - dist) / (2 * dist), 0.0)
        xy += (delta * push[:, :, None]).sum(axis=1)
    xy[:, 0] *= aspect
    return {k: (float(x), float(y)) for k, (x, y) in zip(keys, xy)}


def ring_positions(centre: Hashable, inner: Sequence[Hashable], outer: Iterable[Hashable],
                   neighbours: Mapping[Hashable, Iterable[Hashable]], *,
                   spacing: float = 90.0) -> dict[Hashable, tuple[int, int]]:
    """Centre node, ``inner`` nodes on a ring around it (in the given order), ``outer``
    nodes on a wider ring, each placed near the mean angle of its inner neighbours.

    Used by the ego view: the department in the middle, its tasks around it, its partners
    outside next to the tasks they share.
    """
    pos: dict[Hashable, tuple[int, int]] = {centre: (0, 0)}
    inner = list(inner)
    n_inner = max(len(inner), 1)
    # Neighbouring task labels (about 150 px wide) should not overlap around the ring.
    r1 = max(spacing * 3.0, 1.9 * spacing * n_inner / (2 * math.pi))
    angle: dict[Hashable, float] = {}
    for i, node in enumerate(inner):
        a = 2 * math.pi * i / n_inner - math.pi / 2
        angle[node] = a
        pos[node] = (int(round(r1 * math.cos(a))), int(round(r1 * math.sin(a))))
    outer = list(outer)
    if not outer:
        return pos
    wanted: list[tuple[float, str, Hashable]] = []
    for node in outer:
        angles = [angle[m] for m in neighbours.get(node, ()) if m in angle]
        if angles:
            a = math.atan2(sum(math.sin(x) for x in angles), sum(math.cos(x) for x in angles))
        else:
            a = 0.0
        wanted.append((a % (2 * math.pi), str(node), node))
    wanted.sort()
    # Spread partners that want the same angle, keeping their order around the ring.
    r2 = max(r1 + spacing * 2.2, spacing * 1.1 * len(outer) / (2 * math.pi))
    gap = min(2 * math.pi / len(outer), spacing * 1.1 / r2)
    angles_out = [a for a, _, _ in wanted]
    for i in range(1, len(angles_out)):
        angles_out[i] = max(angles_out[i], angles_out[i - 1] + gap)
    overflow = angles_out[-1] - (angles_out[0] + 2 * math.pi - gap)
    if overflow > 0:
        angles_out = [a - overflow * i / max(len(angles_out) - 1, 1) for i, a in enumerate(angles_out)]
    for a, (_, _, node) in zip(angles_out, wanted):
        pos[node] = (int(round(r2 * math.cos(a))), int(round(r2 * math.sin(a))))
    return pos
