"""The money-flow graph as inline SVG: boxes coloured by role, edges as wide as the victim money
they carried (log scale, per asset) and coloured by asset, every element carrying data- attributes
(`data-node-id`, `data-role`; `data-edge-from`, `data-edge-to`, `data-amount`), the root carrying
`data-nodes` and `data-edges`. Tooltips (<title>) hold the exact amounts and the full addresses.
"""

from __future__ import annotations

import math
from collections import defaultdict

from tracers.exports.report.graph import Edge, Graph, Node
from tracers.exports.report.layout import Box, Layout
from tracers.exports.report.text import attrs, clip, esc, exact, exact_list, short_address, short_units
from tracers.findings import Amount, AssetBook, amount, totals

ROLE_COLOURS = {  # Okabe-Ito: tells apart for the colour-blind too
    "victim": "#0072B2",
    "perpetrator": "#D55E00",
    "deposit_wallet": "#009E73",
    "exchange": "#E69F00",
    "service": "#CC79A7",
    "unknown": "#888888",
}
UNKNOWN_COLOUR = "#888888"
ROLE_NAMES = {
    "victim": "victim",
    "perpetrator": "perpetrator (scam)",
    "deposit_wallet": "exchange deposit address",
    "exchange": "exchange wallet",
    "service": "service (OTC, mixer, ...)",
    "unknown": "unknown",
}
ASSET_COLOURS = ("#3b4a63", "#8c5c9e", "#a87b2f", "#2f7f7a", "#9e4a5c", "#5f6f2f")
MIN_WIDTH, MAX_WIDTH = 1.5, 14.0
MEMBERS_SHOWN = 25


def asset_colours(edges: tuple[Edge, ...]) -> dict[tuple[str, str], str]:
    """(chain, asset) -> colour; the asset on the most edges first."""
    count: dict[tuple[str, str], int] = defaultdict(int)
    for e in edges:
        count[(e.chain, e.asset)] += 1
    ranked = sorted(count, key=lambda k: (-count[k], k))
    return {k: ASSET_COLOURS[i % len(ASSET_COLOURS)] for i, k in enumerate(ranked)}


def widths(edges: tuple[Edge, ...]) -> list[float]:
    """Stroke width per edge: log of the amount between the smallest and largest of its asset."""
    span: dict[tuple[str, str], tuple[float, float]] = {}
    for e in edges:
        low, high = span.get((e.chain, e.asset), (math.inf, -math.inf))
        value = math.log(max(e.amount, 1))
        span[(e.chain, e.asset)] = (min(low, value), max(high, value))
    out = []
    for e in edges:
        low, high = span[(e.chain, e.asset)]
        share = (math.log(max(e.amount, 1)) - low) / (high - low) if high > low else 1.0
        out.append(MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * share)
    return out


def graph_svg(graph: Graph, where: Layout, book: AssetBook, lines: int) -> str:
    """The whole <svg>; `lines` (2 or 3) is how many lines of text each box holds."""
    nodes = {n.node_id: n for n in graph.nodes}
    colours = asset_colours(graph.edges)
    flows_in, flows_out = _node_totals(graph, book)
    label = (f"money-flow graph, {graph.view}: {len(graph.nodes)} nodes, {len(graph.edges)} edges; "
             "victims on the left, exchanges and services on the right")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="flow"'
        f'{attrs(data_view=graph.view, data_nodes=len(graph.nodes), data_edges=len(graph.edges))}'
        f' width="{where.width:.0f}" height="{where.height:.0f}" viewBox="0 0 {where.width:.0f} {where.height:.0f}"'
        f' role="img"{attrs(aria_label=label)}>',
    ]
    parts += [f'<text class="col-title"{attrs(x=f"{x:.1f}", y=18)}>{esc(title)}</text>'
              for x, title in where.column_titles]
    for frame in where.frames:
        b = frame.box
        parts.append(
            f'<g class="frame"{attrs(data_exchange=frame.title)}>'
            f'<rect{_rect(b)} rx="6"/>'
            f'<text{attrs(x=f"{b.x + 6:.1f}", y=f"{b.y + 13:.1f}")}>{esc(clip(frame.title, 18))} · '
            f'{frame.count} address{"es" if frame.count != 1 else ""}</text></g>'
        )
    parts.append('<g class="edges">')
    for edge, width, d in zip(graph.edges, widths(graph.edges), _paths(graph, where), strict=True):
        a = amount(book, edge.chain, edge.asset, edge.amount)
        back = where.column_of[edge.target] <= where.column_of[edge.source]
        title = (f"{_name(nodes[edge.source])} → {_name(nodes[edge.target])}: {exact(a)} of victim money "
                 f"in {edge.transfers} transfer{'s' if edge.transfers != 1 else ''}")
        parts.append(
            f'<path class="edge{" back" if back else ""}"'
            f'{attrs(data_edge_from=edge.source, data_edge_to=edge.target, data_chain=edge.chain)}'
            f'{attrs(data_asset=edge.asset, data_symbol=a.symbol, data_amount=a.units, data_base_units=edge.amount)}'
            f'{attrs(data_transfers=edge.transfers)}'
            f' d="{d}" stroke="{colours[(edge.chain, edge.asset)]}" stroke-width="{width:.2f}">'
            f'<title>{esc(title)}</title></path>'
        )
    parts.append('</g><g class="nodes">')
    for node in graph.nodes:
        parts.append(_node(node, where.boxes[node.node_id], lines, flows_in[node.node_id], flows_out[node.node_id]))
    parts.append("</g></svg>")
    return "".join(parts)


def legend(graph: Graph, book: AssetBook) -> str:
    """Role colours (those present) and asset colours, as HTML."""
    known = list(ROLE_COLOURS)
    roles = sorted({n.role for n in graph.nodes}, key=lambda r: (known.index(r) if r in known else 99, r))
    items = []
    for role in roles:
        colour = ROLE_COLOURS.get(role, UNKNOWN_COLOUR)
        style = f"background:{_tint(colour)};border-color:{colour}"
        name = esc(ROLE_NAMES.get(role, role))
        items.append(f'<span class="key"><i class="swatch"{attrs(style=style)}></i>{name}</span>')
    for (chain, asset), colour in sorted(asset_colours(graph.edges).items(), key=lambda kv: kv[1]):
        symbol = book.symbol(chain, asset) or asset
        items.append(f'<span class="key"><i class="line"{attrs(style=f"background:{colour}")}></i>'
                     f'{esc(symbol)} on {esc(chain)}</span>')
    if graph.edges:
        items.append('<span class="key"><i class="line dashed"></i>money sent back '
                     '(e.g. a fake "profit" to a victim)</span>')
    return '<div class="legend">' + "".join(items) + "</div>"


def _name(node: Node) -> str:
    n = len(node.members)
    if node.kind == "victims":
        return f"{n} {node.subrole or ''} victim{'s' if n != 1 else ''}".replace("  ", " ")
    if node.kind == "collection":
        return f"{n} collection address{'es' if n != 1 else ''}"
    if node.kind == "peel_chain":
        return f"peel chain of {n} hop{'s' if n != 1 else ''}"
    if node.kind == "exchange":
        return f"{node.exchange or 'exchange not named'}: {n} address{'es' if n != 1 else ''}"
    a = node.first
    if node.role == "victim":
        return f"victim {short_address(a.address)}"
    if node.role == "deposit_wallet":
        return f"{a.exchange or 'exchange'} deposit {short_address(a.address)}"
    if node.role == "exchange":
        return f"{a.exchange or a.label or 'exchange'} {short_address(a.address)}"
    if node.role == "service":
        return f"{a.label or a.subrole or 'service'} {short_address(a.address)}"
    return f"{(a.subrole or a.role).replace('_', ' ')} {short_address(a.address)}"


def _headline(node: Node) -> tuple[str, str]:
    """The box's first two lines: what it is, and which address or cluster."""
    a = node.first
    where = node.cluster_id or node.chain
    if node.kind == "exchange":
        deposits = sum(1 for m in node.members if m.role == "deposit_wallet")
        return node.exchange or "exchange not named", f"{deposits} deposit address{'es' if deposits != 1 else ''}"
    if node.kind in ("victims", "collection", "peel_chain"):
        return _name(node), where
    if node.role == "victim":
        return f"victim ({a.subrole or 'victim'})", short_address(a.address)
    if node.role == "deposit_wallet":
        return f"{a.exchange or 'exchange not named'} deposit", short_address(a.address)
    if node.role in ("exchange", "service"):
        return a.label or a.exchange or (a.subrole or node.role).replace("_", " "), short_address(a.address)
    return (a.subrole or a.role).replace("_", " "), f"{short_address(a.address)} · {where}"


def _node(node: Node, box: Box, lines: int, money_in: tuple[Amount, ...], money_out: tuple[Amount, ...]) -> str:
    colour = ROLE_COLOURS.get(node.role, UNKNOWN_COLOUR)
    first, second = _headline(node)
    shown = money_out if node.role == "victim" else money_in
    verb = "paid" if node.role == "victim" else "in"
    third = (f"{verb} {short_units(shown[0])}" + (f" +{len(shown) - 1}" if len(shown) > 1 else "")) if shown else ""
    texts = [f'<text class="t1" x="8" y="15">{esc(clip(first, 26))}</text>',
             f'<text class="t2" x="8" y="28">{esc(clip(second, 29))}</text>']
    if lines >= 3 and third:
        texts.append(f'<text class="t3" x="8" y="41">{esc(clip(third, 29))}</text>')
    return (
        f'<g class="node"{attrs(data_node_id=node.node_id, data_role=node.role, data_subrole=node.subrole)}'
        f'{attrs(data_kind=node.kind, data_members=len(node.members))}'
        f' transform="translate({box.x:.1f},{box.y:.1f})" tabindex="0">'
        f'<title>{esc(_tooltip(node, money_in, money_out))}</title>'
        f'<rect width="{box.w:.0f}" height="{box.h:.0f}" rx="5"{attrs(fill=_tint(colour), stroke=colour)}/>'
        f'<rect class="bar" width="4" height="{box.h:.0f}" rx="2"{attrs(fill=colour)}/>'
        + "".join(texts) + "</g>"
    )


def _tooltip(node: Node, money_in: tuple[Amount, ...], money_out: tuple[Amount, ...]) -> str:
    lines = [_name(node), f"role: {node.role}" + (f" / {node.subrole}" if node.subrole else "")]
    if node.cluster_id:
        lines.append(f"cluster: {node.cluster_id}")
    if node.kind == "address":
        a = node.first
        lines.append(f"address: {a.address} ({a.chain})")
        said = (("exchange", a.exchange), ("label", a.label), ("hop", a.hop))
        lines += [f"{k}: {v}" for k, v in said if v is not None]
    else:
        for i, m in enumerate(node.members[:MEMBERS_SHOWN], start=1):
            lines.append(f"{i}. {m.address}" + (f" (hop {m.hop})" if m.hop is not None else ""))
        if len(node.members) > MEMBERS_SHOWN:
            lines.append(f"… and {len(node.members) - MEMBERS_SHOWN} more (expand the graph to see each)")
    lines.append(f"victim money in: {exact_list(money_in)}")
    lines.append(f"victim money out: {exact_list(money_out)}")
    return "\n".join(lines)


def _node_totals(graph: Graph, book: AssetBook) -> tuple[dict, dict]:
    ins: dict[str, list] = defaultdict(list)
    outs: dict[str, list] = defaultdict(list)
    for e in graph.edges:
        ins[e.target].append((e.chain, e.asset, e.amount))
        outs[e.source].append((e.chain, e.asset, e.amount))

    def ranked(parts: list) -> tuple[Amount, ...]:
        return tuple(sorted(totals(book, parts), key=lambda a: (-_count(parts, a), a.chain, a.asset)))

    return ({n.node_id: ranked(ins[n.node_id]) for n in graph.nodes},
            {n.node_id: ranked(outs[n.node_id]) for n in graph.nodes})


def _count(parts: list, a: Amount) -> int:
    return sum(1 for chain, asset, _ in parts if (chain, asset) == (a.chain, a.asset))


def _paths(graph: Graph, where: Layout) -> list[str]:
    """One cubic Bézier per edge. Forward edges leave a box's right side and enter the next box's
    left side; money sent back leaves the left side; edges within a column loop on the right.
    Each side spreads its edge ends over the middle of the box, in the order of the other ends."""
    ends: dict[tuple[str, str], list[tuple[float, int, str]]] = defaultdict(list)
    sides = []
    for k, e in enumerate(graph.edges):
        cs, ct = where.column_of[e.source], where.column_of[e.target]
        out_side, in_side = ("right", "left") if ct > cs else ("left", "right") if ct < cs else ("right", "right")
        sides.append((out_side, in_side))
        ends[(e.source, out_side)].append((where.boxes[e.target].mid_y, k, "from"))
        ends[(e.target, in_side)].append((where.boxes[e.source].mid_y, k, "to"))
    y_at: dict[tuple[int, str], float] = {}
    for (node_id, _side), items in ends.items():
        box = where.boxes[node_id]
        items.sort()
        for i, (_, k, which) in enumerate(items):
            y_at[(k, which)] = box.y + box.h * (0.2 + 0.6 * (i + 0.5) / len(items))
    paths = []
    for k, e in enumerate(graph.edges):
        s, t = where.boxes[e.source], where.boxes[e.target]
        out_side, in_side = sides[k]
        x1 = s.x + s.w if out_side == "right" else s.x
        x2 = t.x if in_side == "left" else t.x + t.w
        y1, y2 = y_at[(k, "from")], y_at[(k, "to")]
        if out_side == in_side:
            c1, c2 = x1 + 60, x2 + 60
        else:
            bend = max(abs(x2 - x1) / 2, 40)
            c1, c2 = (x1 + bend, x2 - bend) if out_side == "right" else (x1 - bend, x2 + bend)
        paths.append(f"M{x1:.1f},{y1:.1f} C{c1:.1f},{y1:.1f} {c2:.1f},{y2:.1f} {x2:.1f},{y2:.1f}")
    return paths


def _rect(b: Box) -> str:
    return f' x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.1f}" height="{b.h:.1f}"'


def _tint(colour: str) -> str:
    """The colour mixed 85 % with white: a box fill that dark text reads on."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c + (255 - c) * 0.85):02x}" for c in (r, g, b))
