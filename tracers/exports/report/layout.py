"""A layered, left-to-right layout of a money-flow graph, computed here so the page needs no script.

Columns by what a node is: victims, collection, consolidators, then the addresses the money went
through next (one column per step along the longest path of such addresses: peel chains,
intermediaries, ...), and last the exchanges' deposit addresses (framed per exchange) and services.
Within a column nodes are ordered by a few barycentre sweeps (each node near the mean position of
its neighbours in the columns before, then after), ties broken by node id: deterministic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from tracers.exports.report.graph import Graph, Node

ENDPOINT_ROLES = ("deposit_wallet", "exchange", "service")
SWEEPS = 4


@dataclass(frozen=True)
class Geometry:
    node_w: int = 176
    node_h: int = 46
    v_gap: int = 10
    col_gap: int = 80
    margin: int = 20
    top: int = 34  # room for the column titles
    frame_pad: int = 6
    frame_head: int = 18


COLLAPSED = Geometry()
EXPANDED = Geometry(node_h=32, v_gap=6)


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def mid_y(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Frame:
    """The box around one exchange's deposit (and hot wallet) addresses."""

    title: str
    count: int
    box: Box


@dataclass(frozen=True)
class Layout:
    boxes: dict[str, Box]  # node id -> where it is drawn
    column_of: dict[str, int]
    column_titles: tuple[tuple[float, str], ...]  # (x of the column's left edge, title)
    frames: tuple[Frame, ...]
    width: float
    height: float


def stage(node: Node) -> str:
    if node.role == "victim":
        return "victims"
    if node.role in ENDPOINT_ROLES:
        return "endpoints"
    if node.subrole == "collection":
        return "collection"
    if node.role == "perpetrator" and node.subrole == "consolidator":
        return "consolidators"
    return "onward"


def layout(graph: Graph, geometry: Geometry) -> Layout:
    columns = _columns(graph)
    order = _order(graph, columns)
    return _place(graph, columns, order, geometry)


def _columns(graph: Graph) -> dict[str, int]:
    """Node id -> column (0-based, no empty columns)."""
    stages = {n.node_id: stage(n) for n in graph.nodes}
    onward = {i for i, s in stages.items() if s == "onward"}
    before: dict[str, list[str]] = defaultdict(list)
    for e in graph.edges:
        if e.source in onward and e.target in onward:
            before[e.target].append(e.source)
    depth: dict[str, int] = {}

    def depth_of(node_id: str, visiting: set[str]) -> int:
        if node_id in depth:
            return depth[node_id]
        visiting.add(node_id)
        found = [depth_of(p, visiting) + 1 for p in sorted(before[node_id]) if p not in visiting]
        visiting.discard(node_id)
        depth[node_id] = max(found, default=0)
        return depth[node_id]

    fixed = {"victims": 0, "collection": 1, "consolidators": 2}
    last = 3 + max((depth_of(i, set()) for i in sorted(onward)), default=-1) + 1
    raw = {i: 3 + depth[i] if s == "onward" else fixed.get(s, last) for i, s in stages.items()}  # last: endpoints
    used = sorted(set(raw.values()))
    return {i: used.index(r) for i, r in raw.items()}


def _block(node: Node) -> tuple:
    """Endpoints are kept together by exchange, then services, then anything else."""
    if node.role in ("deposit_wallet", "exchange"):
        return (0, node.exchange or "")
    if node.role == "service":
        return (1, "")
    return (2, "")


def _initial_key(node: Node) -> tuple:
    return (_block(node), node.subrole != "reported", node.cluster_id or "", node.hop or 0, node.node_id)


def _order(graph: Graph, columns: dict[str, int]) -> dict[int, list[str]]:
    nodes = {n.node_id: n for n in graph.nodes}
    by_column: dict[int, list[str]] = defaultdict(list)
    for node_id in sorted(columns, key=lambda i: _initial_key(nodes[i])):
        by_column[columns[node_id]].append(node_id)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for e in graph.edges:
        neighbours[e.source].add(e.target)
        neighbours[e.target].add(e.source)
    count = max(by_column, default=-1) + 1

    def position() -> dict[str, float]:
        return {i: (k + 0.5) / len(ids) for ids in by_column.values() for k, i in enumerate(ids)}

    for sweep in range(SWEEPS):
        forward = sweep % 2 == 0
        for column in range(1, count) if forward else range(count - 2, -1, -1):
            where = position()
            ids = by_column[column]
            barys = {i: _barycentre(i, neighbours[i], where, columns, column, forward) for i in ids}
            blocks: dict[tuple, list[str]] = defaultdict(list)
            for i in ids:
                blocks[_block(nodes[i])].append(i)
            block_bary = {b: sum(barys[i] for i in members) / len(members) for b, members in blocks.items()}
            ranked = sorted(blocks, key=lambda b: (b[0], block_bary[b], b))
            by_column[column] = [i for b in ranked for i in sorted(blocks[b], key=lambda i: (barys[i], where[i], i))]
    return by_column


def _barycentre(node_id: str, neighbours: set[str], where: dict[str, float], columns: dict[str, int],
                column: int, forward: bool) -> float:
    """Mean position of the node's neighbours on one side (before or after its column); its own if none."""
    side = [where[n] for n in sorted(neighbours) if (columns[n] < column if forward else columns[n] > column)]
    return sum(side) / len(side) if side else where[node_id]


def _place(graph: Graph, columns: dict[str, int], order: dict[int, list[str]], g: Geometry) -> Layout:
    nodes = {n.node_id: n for n in graph.nodes}
    heights: dict[int, float] = {}
    offsets: dict[str, float] = {}
    frames_at: dict[int, list[tuple[str, int, float, float]]] = defaultdict(list)
    for column, ids in order.items():
        y = 0.0
        k = 0
        while k < len(ids):
            node = nodes[ids[k]]
            if node.kind == "address" and node.role in ("deposit_wallet", "exchange"):
                group = [i for i in ids[k:] if _block(nodes[i]) == _block(node) and nodes[i].kind == "address"]
                y += g.frame_head
                top = y - g.frame_head
                for i in group:
                    offsets[i] = y
                    y += g.node_h + g.v_gap
                y += g.frame_pad
                frames_at[column].append((node.exchange or "exchange not named", len(group), top, y - top - g.v_gap))
                y += g.v_gap
                k += len(group)
            else:
                offsets[ids[k]] = y
                y += g.node_h + g.v_gap
                k += 1
        heights[column] = y - g.v_gap
    tallest = max(heights.values(), default=0.0)
    x_of = {c: g.margin + c * (g.node_w + g.col_gap) for c in order}
    shift = {c: g.top + (tallest - h) / 2 for c, h in heights.items()}
    boxes = {i: Box(x_of[columns[i]], shift[columns[i]] + offsets[i], g.node_w, g.node_h) for i in columns}
    frames = tuple(
        Frame(title, n, Box(x_of[c] - g.frame_pad, shift[c] + top, g.node_w + 2 * g.frame_pad, h))
        for c in sorted(frames_at) for title, n, top, h in frames_at[c]
    )
    titles = _column_titles({c: [nodes[i] for i in order[c]] for c in order}, x_of)
    width = g.margin * 2 + len(order) * g.node_w + max(len(order) - 1, 0) * g.col_gap
    return Layout(boxes, dict(columns), titles, frames, width, g.top + tallest + g.margin)


_TITLES = {"victims": "Victims", "collection": "Collection", "consolidators": "Consolidators",
           "endpoints": "Exchanges and services"}


def _column_titles(columns: dict[int, list[Node]], x_of: Mapping[int, float]) -> tuple[tuple[float, str], ...]:
    titles = []
    step = 0
    for column in sorted(columns):
        stages = {stage(n) for n in columns[column]}
        if stages == {"onward"}:
            step += 1
            titles.append((x_of[column], f"Onward, step {step}"))
        else:
            titles.append((x_of[column], " / ".join(_TITLES.get(s, s) for s in sorted(stages))))
    return tuple(titles)
