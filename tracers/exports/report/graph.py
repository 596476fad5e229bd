"""The money-flow graph of a trace run: who passed victim money to whom, per asset.

Nodes are the run's addresses that victim money moved through (trace_flows with traced_amount > 0);
an edge is the victim money of one asset that went from one node to another, summed. The same
graph has two views:

- expanded: one node per address;
- collapsed (the default view): the victims of one kind (reported, discovered) are one node, the
  collection addresses of one cluster are one node, every peel chain is one node, and the deposit
  (and hot wallet) addresses of one exchange are one node; every other address stays itself.
  Money moving inside a group (a rotated collection address, one peel hop to the next) is not an
  edge of the collapsed view.

Node ids: `<chain>:<address>` for an address, `victims:<chain>:<subrole>`,
`collection:<chain>:<cluster>`, `peel:<chain>:<first hop>` and `exchange:<chain>:<exchange>` for
groups.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import duckdb

from tracers.findings import Move, PeelChain, run_addresses, victim_money_moves


@dataclass(frozen=True)
class Address:
    """An address of the run (trace_addresses), or one only seen in its flows (role unknown)."""

    chain: str
    address: str
    role: str
    subrole: str | None = None
    cluster_id: str | None = None
    label: str | None = None
    exchange: str | None = None
    hop: int | None = None


@dataclass(frozen=True)
class Node:
    node_id: str
    kind: str  # address | victims | collection | peel_chain | exchange
    chain: str
    role: str
    subrole: str | None
    members: tuple[Address, ...]  # sorted by address

    @property
    def first(self) -> Address:
        return self.members[0]

    @property
    def cluster_id(self) -> str | None:
        return next((m.cluster_id for m in self.members if m.cluster_id), None)

    @property
    def exchange(self) -> str | None:
        return next((m.exchange for m in self.members if m.exchange), None)

    @property
    def hop(self) -> int | None:
        hops = [m.hop for m in self.members if m.hop is not None]
        return min(hops) if hops else None


@dataclass(frozen=True)
class Edge:
    source: str  # node id
    target: str
    chain: str
    asset: str
    amount: int  # base units
    transfers: int


@dataclass(frozen=True)
class Graph:
    view: str  # collapsed | expanded
    nodes: tuple[Node, ...]  # by node id
    edges: tuple[Edge, ...]  # by (source, target, chain, asset)


@dataclass(frozen=True)
class RunGraph:
    """What both views are made of."""

    addresses: dict[tuple[str, str], Address]  # every address of the run, with or without flows
    flows: tuple[Move, ...]
    peel_chain_of: dict[tuple[str, str], tuple[Address, ...]]  # peel hop -> its chain, in order

    def without_flows(self) -> tuple[Address, ...]:
        """Addresses of the run that no victim money moved through (co-funded, gas feeders, ...)."""
        touched = {(f.chain, a) for f in self.flows for a in (f.source, f.target)}
        return tuple(a for key, a in sorted(self.addresses.items()) if key not in touched)


def read_run_graph(con: duckdb.DuckDBPyConnection, run_id: str, peel_chains: tuple[PeelChain, ...]) -> RunGraph:
    addresses = {
        (a.chain, a.address): Address(a.chain, a.address, a.role, a.subrole, a.cluster_id, a.label, a.exchange,
                                      a.hop)
        for a in run_addresses(con, run_id)
    }
    flows = victim_money_moves(con, run_id)
    for f in flows:
        for address in (f.source, f.target):
            addresses.setdefault((f.chain, address), Address(f.chain, address, "unknown"))
    peel_chain_of = {}
    for chain in peel_chains:
        hops = tuple(addresses.get((h.chain, h.address), Address(h.chain, h.address, "unknown", hop=h.hop))
                     for h in chain.hops)
        for hop in hops:
            peel_chain_of[(hop.chain, hop.address)] = hops
    return RunGraph(addresses, flows, peel_chain_of)


def group_of(run: RunGraph, address: Address) -> tuple[str, str]:
    """(node id, kind) of the collapsed node an address belongs to; first rule that applies wins:
    a victim, a peel chain's hop, a collection address, an exchange's address, else the address."""
    if address.role == "victim":
        return f"victims:{address.chain}:{address.subrole or 'victim'}", "victims"
    chain = run.peel_chain_of.get((address.chain, address.address))
    if chain is not None:
        return f"peel:{address.chain}:{chain[0].address}", "peel_chain"
    if address.role == "perpetrator" and address.subrole == "collection":
        return f"collection:{address.chain}:{address.cluster_id or '-'}", "collection"
    if address.role in ("deposit_wallet", "exchange"):
        return f"exchange:{address.chain}:{address.exchange or ''}", "exchange"
    return f"{address.chain}:{address.address}", "address"


def build_graph(run: RunGraph, view: str) -> Graph:
    """The collapsed or expanded view of the run's money flows."""
    if view not in ("collapsed", "expanded"):
        raise ValueError(f"view is 'collapsed' or 'expanded', not {view!r}")
    members: dict[str, list[Address]] = defaultdict(list)
    kinds: dict[str, str] = {}
    node_of: dict[tuple[str, str], str] = {}
    for f in run.flows:
        for address in (f.source, f.target):
            key = (f.chain, address)
            if key in node_of:
                continue
            entry = run.addresses[key]
            node_id, kind = group_of(run, entry) if view == "collapsed" else (f"{f.chain}:{address}", "address")
            node_of[key] = node_id
            kinds[node_id] = kind
            members[node_id].append(entry)
    nodes = tuple(_node(node_id, kinds[node_id], members[node_id], run) for node_id in sorted(members))

    sums: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for f in run.flows:
        source, target = node_of[(f.chain, f.source)], node_of[(f.chain, f.target)]
        if source == target:
            continue  # money moving inside a group
        total = sums[(source, target, f.chain, f.asset)]
        total[0] += f.amount
        total[1] += f.transfers
    edges = tuple(Edge(s, t, c, a, amount, n) for (s, t, c, a), (amount, n) in sorted(sums.items()))
    return Graph(view, nodes, edges)


def _node(node_id: str, kind: str, members: list[Address], run: RunGraph) -> Node:
    first = members[0]
    if kind == "peel_chain":
        hops = run.peel_chain_of[(first.chain, first.address)]  # every hop, in order along the chain
        return Node(node_id, kind, first.chain, "perpetrator", "peel_chain", hops)
    ordered = tuple(sorted(members, key=lambda a: a.address))
    if kind == "victims":
        return Node(node_id, kind, first.chain, "victim", first.subrole, ordered)
    if kind == "collection":
        return Node(node_id, kind, first.chain, "perpetrator", "collection", ordered)
    if kind == "exchange":
        role = "deposit_wallet" if any(m.role == "deposit_wallet" for m in ordered) else "exchange"
        return Node(node_id, kind, first.chain, role, None, ordered)
    return Node(node_id, kind, first.chain, first.role, first.subrole, ordered)
