"""Trace a case: from its seeds, follow victim money hop by hop until it reaches exchanges and
services, find the scam cluster around it, and attribute what reached each endpoint.

A round: follow the money from the collection addresses (the reported scam addresses, then the
ones fan-in clustering finds), classifying each new address the money reaches (tracing.classify);
then cluster (fan-in consolidation, gas-feeder co-funding); the payers into collection addresses
are victims, their payments the taint sources of the next round. Rounds repeat until nothing new
is found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import duckdb

from tracers.chains import KNOWN_TOKENS
from tracers.store.connection import read_sql
from tracers.trace.classify import Endpoint, classify, tags_of
from tracers.trace.graph import CaseGraph, Move, with_table
from tracers.trace.params import TraceParams
from tracers.trace.peel import PeelChain, peel_chains
from tracers.trace.propagate import Propagation, propagate
from tracers.trace.taint import Taint

MAX_ROUNDS = 6
Progress = Callable[[str], None]
Ensure = Callable[[Iterable[str]], object]  # bring these addresses' transfers into the store


@dataclass(frozen=True)
class Seed:
    seed_id: str
    address: str
    asset: str | None
    key: tuple[str, str, int] | None  # the victim payment it rests on
    amount: int | None
    victim: str | None
    report_id: str | None


@dataclass
class ClusterLink:
    address: str
    subrole: str  # collection | consolidator | gas_feeder | co_funded
    rule: str
    related: str | None
    tx_hashes: tuple[str, ...]
    detail: str
    confidence: int
    params: dict


@dataclass
class ChainTrace:
    """What one chain's trace found."""

    chain: str
    seeds: list[Seed]
    assets: set[str]
    sources: dict[tuple, Taint] = field(default_factory=dict)
    source_victims: dict[str, str] = field(default_factory=dict)  # label -> victim address
    followed: dict[str, int] = field(default_factory=dict)  # address -> hop depth
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    beyond_hops: dict[str, int] = field(default_factory=dict)
    links: dict[str, ClusterLink] = field(default_factory=dict)
    funded: set[tuple[str, str]] = field(default_factory=set)  # (gas feeder, cluster address)
    victims: dict[str, str] = field(default_factory=dict)  # address -> reported | discovered
    propagation: Propagation | None = None
    peels: list[PeelChain] = field(default_factory=list)
    graph: CaseGraph | None = None
    ensure: Ensure = field(default=lambda _addresses: None)


# When rules disagree on what an address is, the strongest evidence names it, whatever rule ran
# first (a live trace discovers in another order than a store trace).
SUBROLE_RANK = {"collection": 0, "consolidator": 1, "gas_feeder": 2, "co_funded": 4}


def _link(result: "ChainTrace", link: ClusterLink) -> bool:
    """Record a cluster link unless the address has one of equal or stronger rank already."""
    current = result.links.get(link.address)
    if current is not None and SUBROLE_RANK[current.subrole] <= SUBROLE_RANK[link.subrole]:
        return False
    result.links[link.address] = link
    return True


def imitation_tokens(con: duckdb.DuckDBPyConnection, chain: str) -> set[str]:
    """Tokens that carry a well-known symbol (USDT, USDC) from another contract: look-alikes."""
    known = {t.symbol: t.address for t in KNOWN_TOKENS if t.chain == chain}
    rows = con.execute(
        "SELECT asset, symbol FROM assets WHERE chain = ? AND asset <> 'native'", [chain]
    ).fetchall()
    return {a for a, s in rows if s and s.upper() in known and known[s.upper()] != a}


def trace_chain(
    con: duckdb.DuckDBPyConnection,
    chain: str,
    seeds: list[Seed],
    params: TraceParams,
    progress: Progress,
    ensure: Ensure | None = None,
) -> ChainTrace:
    """Trace one chain. `ensure`, when given, fetches addresses from a live source into the
    store before the trace reads them (the store-only trace passes none)."""
    assets = {s.asset for s in seeds if s.asset}
    if any(s.key is None for s in seeds):  # an address given by an analyst: the scams' assets
        assets |= {"native"} | {t.address for t in KNOWN_TOKENS if t.chain == chain}
    result = ChainTrace(chain, seeds, assets)
    if ensure is not None:
        result.ensure = ensure
    graph = CaseGraph(con, chain)
    result.graph = graph
    imitations = imitation_tokens(con, chain)
    collections: set[str] = set()
    for seed in seeds:
        collections.add(seed.address)
        result.links[seed.address] = ClusterLink(
            seed.address, "collection", "reported_scam_address", seed.victim,
            (seed.key[0],) if seed.key else (), f"reported as the scam address ({seed.seed_id})",
            100, {},
        )
        if seed.victim:
            result.victims[seed.victim] = "reported"
        if seed.key and seed.amount:
            label = seed.report_id or seed.seed_id
            result.sources[seed.key] = {label: seed.amount}
            result.source_victims[label] = seed.victim or ""

    for round_number in range(1, MAX_ROUNDS + 1):
        progress(f"round {round_number}: following the money from {len(collections)} collection addresses")
        _follow(con, result, collections, imitations, params, progress)
        new_collections = _fan_in(con, result, params)
        _gas_feeders(con, result, params)
        added_sources = _victim_payments(result, collections | new_collections, params)
        if not new_collections - collections and not added_sources:
            break
        collections |= new_collections
    members = set(result.followed)
    result.peels = peel_chains(list(result.propagation.flows.values()), members, params)
    return result


def _follow(con, result: ChainTrace, collections: set[str], imitations: set[str],
            params: TraceParams, progress: Progress) -> None:
    """Expand hop by hop from the collections until no new address is to be followed."""
    graph = result.graph
    followed = {a: 1 for a in sorted(collections)}
    while True:
        result.ensure(followed)
        graph.load(followed)
        prop = propagate(graph.in_order(), result.sources, followed, result.assets, imitations, params)
        victims = set(result.victims) | _payers_into(graph, collections, result, params)
        new = sorted(a for a in prop.reached if a not in followed and a not in result.endpoints
                     and a not in result.beyond_hops)
        if new:
            result.ensure(new)
            _ensure_counterparties(con, result, new, params)
            for address, endpoint in classify(con, result.chain, new, victims, params).items():
                result.endpoints[address] = endpoint
        grew = False
        for address in new:
            if address in result.endpoints:
                continue
            depth = prop.reached[address]
            if depth > params.hops:
                result.beyond_hops[address] = depth
                continue
            followed[address] = depth
            grew = True
        if not grew:
            result.followed = followed
            result.propagation = prop
            progress(f"followed {len(followed)} addresses, {len(result.endpoints)} endpoints reached")
            return


def _is_payment(move: Move, result: ChainTrace, params: TraceParams) -> bool:
    """A victim's payment: a case asset, not zero, not a gas-sized ether transfer."""
    if move.asset not in result.assets or move.amount == 0 or not move.sender:
        return False
    return not (move.kind == "native" and move.amount <= params.gas_max_wei)


def _payers_into(graph: CaseGraph, collections: set[str], result: ChainTrace,
                 params: TraceParams) -> set[str]:
    """Who paid into a collection address from outside the cluster: victims."""
    return {
        m.sender for m in graph.moves.values()
        if m.receiver in collections and m.sender not in result.links
        and _is_payment(m, result, params)
    }


def _ensure_counterparties(con, result: ChainTrace, candidates: list[str], params: TraceParams) -> None:
    """Live sources: the rules that tell a service from a scam look at who pays a candidate and
    what else those payers do; fetch the payers of candidates paid by many."""
    with_table(con, "trace_candidates", candidates)
    payers = con.execute(read_sql("heuristics/busy_payers.sql"),
                         {"chain": result.chain, "min_senders": params.service_min_senders,
                          "sample": params.service_sample}).fetchall()
    if payers:
        result.ensure([p for (p,) in payers])


def _fan_in(con, result: ChainTrace, params: TraceParams) -> set[str]:
    members = set(result.followed)
    with_table(con, "trace_members", members)
    result.ensure(_senders_into(con, result.chain, members))
    rule_params = {"sweeper_share": params.sweeper_share, "min_sweepers": params.fan_in_min_sweepers}
    rows = con.execute(
        read_sql("heuristics/fan_in.sql"),
        {"chain": result.chain, "assets": sorted(result.assets), **rule_params},
    ).fetchall()
    found: set[str] = set()
    for consolidator, sweeper, asset, amount, txs in rows:
        if sweeper in result.endpoints or sweeper in result.victims:
            continue
        _link(result, ClusterLink(
            consolidator, "consolidator", "fan_in", sweeper, tuple(txs[:3]),
            "collection addresses sweep into it", 90, rule_params,
        ))
        _link(result, ClusterLink(
            sweeper, "collection", "fan_in", consolidator, tuple(txs),
            f"sweeps what it receives into consolidator {consolidator}", 85, rule_params,
        ))
        found.add(sweeper)
    return found


def _senders_into(con, chain: str, members: set[str]) -> list[str]:
    """Who sent anything to the members (to fetch before the clustering rules read them)."""
    rows = con.execute(
        "SELECT DISTINCT from_address FROM transfers_to WHERE chain = ? AND from_address IS NOT NULL "
        "AND to_address IN (SELECT address FROM trace_members)", [chain]).fetchall()
    return [a for (a,) in rows if a not in members]


def _gas_feeders(con, result: ChainTrace, params: TraceParams) -> None:
    members = {a for a, link in result.links.items() if link.subrole != "co_funded"} | set(result.followed)
    excluded = set(result.victims) | {a for a, e in result.endpoints.items()}
    with_table(con, "trace_members", members)
    with_table(con, "trace_excluded", excluded)
    rule_params = {
        "gas_max_wei": params.gas_max_wei,
        "min_funded": params.feeder_min_funded,
        "min_share": params.feeder_min_share,
    }
    rows = con.execute(read_sql("heuristics/gas_feeder.sql"), {"chain": result.chain, **rule_params}).fetchall()
    for funder, funded, is_member, txs, funded_total, funded_members in rows:
        _link(result, ClusterLink(
            funder, "gas_feeder", "gas_feeder", None, tuple(txs[:3]),
            f"paid gas to {funded_members} cluster addresses ({funded_total} funded in all)",
            80, rule_params,
        ))
        result.funded.add((funder, funded))
        if funded not in excluded:
            _link(result, ClusterLink(
                funded, "co_funded", "gas_feeder", funder, tuple(txs),
                f"funded for gas by the cluster's gas feeder {funder}", 60, rule_params,
            ))


def _victim_payments(result: ChainTrace, collections: set[str], params: TraceParams) -> int:
    """Payments into collection addresses from outside the cluster are victims' money."""
    graph = result.graph
    graph.load(collections)
    added = 0
    excluded = (set(result.links) | set(result.followed)
                | {a for a, e in result.endpoints.items() if e.role != "victim"})
    for move in graph.in_order():
        if move.receiver not in collections or not _is_payment(move, result, params):
            continue
        if move.key in result.sources or move.sender in excluded:
            continue
        label = f"discovered:{move.sender}"
        result.sources[move.key] = {label: move.amount}
        result.source_victims[label] = move.sender
        result.victims.setdefault(move.sender, "discovered")
        added += 1
    return added


def seeds_of_case(con: duckdb.DuckDBPyConnection, case_id: str) -> dict[str, list[Seed]]:
    rows = con.execute(
        """
        SELECT chain, seed_id, address, asset, tx_hash, position, CAST(amount AS VARCHAR),
               victim_address, report_id,
               (SELECT min(kind) FROM transfers_to t WHERE t.chain = s.chain AND t.to_address = s.address
                  AND t.tx_hash = s.tx_hash AND t.position = s.position AND t.asset = s.asset) AS kind
        FROM seeds s WHERE case_id = ? ORDER BY seed_id
        """,
        [case_id],
    ).fetchall()
    by_chain: dict[str, list[Seed]] = {}
    for chain, seed_id, address, asset, tx, position, amount, victim, report_id, kind in rows:
        key = (tx, kind, position) if tx and kind else None
        by_chain.setdefault(chain, []).append(
            Seed(seed_id, address, asset, key, int(amount) if amount else None, victim, report_id)
        )
    return by_chain


__all__ = ["ChainTrace", "Seed", "seeds_of_case", "tags_of", "trace_chain"]
