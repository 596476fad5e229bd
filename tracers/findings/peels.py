"""Peel chains of a trace run, assembled from its `peel_chain` findings.

Read contract (one finding per peel step): `address` is the hop, `related` the peel destination
(where the slice went), `asset`/`amount` the slice, `tx_hashes` the transactions. Hops are grouped
into chains by the victim-money flows between them (trace_flows from one hop to another) and put in
order along those flows; hops the flows do not order keep their hop distance order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import duckdb

from tracers.findings.amounts import Amount, amount
from tracers.findings.assets import AssetBook
from tracers.store.queries import rows


@dataclass(frozen=True)
class Peel:
    finding_id: str
    destination: str | None
    destination_role: str | None  # the destination's role in the run, when it has one
    destination_subrole: str | None
    destination_label: str | None
    destination_exchange: str | None
    amount: Amount | None
    tx_hashes: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "finding_id": self.finding_id, "destination": self.destination,
            "destination_role": self.destination_role, "destination_subrole": self.destination_subrole,
            "destination_label": self.destination_label, "destination_exchange": self.destination_exchange,
            "amount": self.amount.to_dict() if self.amount else None, "tx_hashes": list(self.tx_hashes),
        }


@dataclass(frozen=True)
class PeelHop:
    chain: str
    address: str
    hop: int | None
    cluster_id: str | None
    peels: tuple[Peel, ...]

    def to_dict(self) -> dict:
        return {"chain": self.chain, "address": self.address, "hop": self.hop,
                "cluster_id": self.cluster_id, "peels": [p.to_dict() for p in self.peels]}


@dataclass(frozen=True)
class PeelChain:
    hops: tuple[PeelHop, ...]  # in order along the chain

    def to_dict(self) -> dict:
        return {"hops": [h.to_dict() for h in self.hops]}


def peel_chains(con: duckdb.DuckDBPyConnection, run_id: str, book: AssetBook) -> tuple[PeelChain, ...]:
    hops: dict[tuple[str, str], dict] = {}
    for (fid, chain, address, related, asset, base, txs, hop, cluster_id,
         role, subrole, label, exchange) in rows(con, "queries/peel_findings", {"run_id": run_id}):
        entry = hops.setdefault((chain, address), {"hop": hop, "cluster_id": cluster_id, "peels": []})
        slice_ = amount(book, chain, asset, int(base)) if asset is not None and base is not None else None
        entry["peels"].append(Peel(fid, related, role, subrole, label, exchange, slice_, tuple(txs)))
    edges = [((c, a), (c, b)) for c, a, b in rows(con, "queries/peel_hop_flows", {"run_id": run_id})]

    def rank(key: tuple[str, str]) -> tuple:
        hop = hops[key]["hop"]
        return (hop is None, hop or 0, key)

    chains = []
    for group in _components(list(hops), edges):
        ordered = _along(group, [e for e in edges if e[0] in group], rank)
        chains.append(PeelChain(tuple(
            PeelHop(key[0], key[1], hops[key]["hop"], hops[key]["cluster_id"],
                    tuple(sorted(hops[key]["peels"], key=lambda p: p.finding_id)))
            for key in ordered
        )))
    return tuple(sorted(chains, key=lambda c: (c.hops[0].cluster_id or "", c.hops[0].chain, c.hops[0].address)))


def _components(nodes: list, edges: list) -> list[set]:
    parent = {n: n for n in nodes}

    def root(n):
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for a, b in edges:
        parent[root(a)] = root(b)
    groups: dict = defaultdict(set)
    for n in nodes:
        groups[root(n)].add(n)
    return list(groups.values())


def _along(group: set, edges: list, rank) -> list:
    """Topological order along the flows, ties (and any cycle) broken by hop distance."""
    incoming = {n: 0 for n in group}
    following = defaultdict(list)
    for a, b in edges:
        incoming[b] += 1
        following[a].append(b)
    ready = sorted((n for n in group if incoming[n] == 0), key=rank)
    ordered = []
    while ready:
        node = ready.pop(0)
        ordered.append(node)
        for nxt in following[node]:
            incoming[nxt] -= 1
            if incoming[nxt] == 0:
                ready.append(nxt)
        ready.sort(key=rank)
    return ordered + sorted(group - set(ordered), key=rank)
