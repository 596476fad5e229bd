"""Trace a case: from its seeds, follow victim money hop by hop until it reaches exchanges and
services, find the scam cluster around it, and attribute what reached each endpoint.

A round has the README's four steps:
1. expand:    follow the money from the collection addresses in chain order (propagate);
2. classify:  say what each new address the money reached is (tags, victims, deposit addresses,
              services by whose money they move); anything else is followed further;
3. cluster:   consolidators and the collections that sweep into them (fan-in), payout
              addresses paying victims fake profits, gas feeders;
4. attribute: payments into the collections from outside the cluster are victims' money, the
              taint sources of the next round.
Rounds repeat until nothing new is found. Endpoints reached only through paths a later round
closed (a victim followed before it was known as one) are dropped at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import duckdb

from tracers.chains import KNOWN_TOKENS, WRAPPED_NATIVE
from tracers.heuristics import ClusterLink, Endpoint
from tracers.heuristics.case_share import services
from tracers.heuristics.deposit_address import deposit_addresses
from tracers.heuristics.fan_in import fan_in
from tracers.heuristics.gas_feeder import gas_feeders
from tracers.heuristics.mixer import mixers
from tracers.heuristics.peel_chain import PeelChain, peel_chains
from tracers.heuristics.profit_payer import profit_payers
from tracers.heuristics.tagged import fill_services, tagged_endpoints
from tracers.heuristics.victims import payers_into, victim_payments
from tracers.store.queries import rows
from tracers.trace.graph import CaseGraph, with_table
from tracers.trace.params import TraceParams
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
class ChainTrace:
    """What one chain's trace found."""

    chain: str
    seeds: list[Seed]
    assets: set[str]
    graph: CaseGraph
    sources: dict[tuple, Taint] = field(default_factory=dict)
    source_victims: dict[str, str] = field(default_factory=dict)  # label -> victim address ('' if none)
    followed: dict[str, int] = field(default_factory=dict)  # address -> hop depth
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    beyond_hops: dict[str, int] = field(default_factory=dict)
    links: dict[str, ClusterLink] = field(default_factory=dict)
    funded: set[tuple[str, str]] = field(default_factory=set)  # (gas feeder, cluster address)
    victims: dict[str, str] = field(default_factory=dict)  # address -> reported | discovered
    collections: set[str] = field(default_factory=set)
    services: set[str] = field(default_factory=set)  # tagged service addresses of the chain
    propagation: Propagation = field(default_factory=Propagation)  # set by each round's expansion
    peels: list[PeelChain] = field(default_factory=list)
    ensure: Ensure = field(default=lambda _addresses: None)
    live: bool = False

    def cluster(self) -> set[str]:
        """The scam's addresses so far: followed or linked, minus endpoints and victims."""
        return (set(self.followed) | set(self.links)) - set(self.endpoints) - set(self.victims)


# When rules disagree on what an address is, the strongest evidence names it, whatever rule ran
# first (a live trace discovers in another order than a store trace).
SUBROLE_RANK = {"collection": 0, "consolidator": 1, "gas_feeder": 2, "payout": 3, "co_funded": 4}


def _link(result: ChainTrace, link: ClusterLink) -> bool:
    """Record a cluster link unless the address has one of equal or stronger rank already."""
    current = result.links.get(link.address)
    if current is not None and SUBROLE_RANK[current.subrole] <= SUBROLE_RANK[link.subrole]:
        return False
    result.links[link.address] = link
    return True


def imitation_tokens(con: duckdb.DuckDBPyConnection, chain: str) -> set[str]:
    """Tokens that carry a well-known symbol (USDT, USDC) from another contract: look-alikes."""
    known = {t.symbol: t.address for t in KNOWN_TOKENS if t.chain == chain}
    found = rows(con, "trace/token_symbols", {"chain": chain})
    return {a for a, s in found if s and s.upper() in known and known[s.upper()] != a}


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
    result = ChainTrace(chain, seeds, assets, CaseGraph(con, chain), live=ensure is not None)
    if ensure is not None:
        result.ensure = ensure
    result.services = fill_services(con, chain)
    imitations = imitation_tokens(con, chain)
    _seed(con, result, params)

    for round_number in range(1, MAX_ROUNDS + 1):
        progress(f"round {round_number}: following the money from {len(result.collections)} collection addresses")
        _expand(con, result, imitations, params, progress)
        new_collections = _cluster(con, result, params)
        added_sources = _attribute(result, params)
        if not new_collections and not added_sources:
            break
    _drop_stale_endpoints(result)
    result.peels = peel_chains(list(result.propagation.flows.values()), set(result.followed), params)
    return result


def _seed(con, result: ChainTrace, params: TraceParams) -> None:
    """Reported scam addresses are the first collections, unless what the money did says they are
    an exchange's (a mule's deposit address given to victims as the 'platform address')."""
    addresses = sorted({s.address for s in result.seeds})
    result.ensure(addresses)
    result.graph.load(addresses)  # the victims' payments, wherever the seeds turn out to be
    placed = tagged_endpoints(con, result.chain, addresses)
    placed.update(deposit_addresses(con, result.chain, [a for a in addresses if a not in placed], params))
    for seed in result.seeds:
        result.links.setdefault(seed.address, ClusterLink(
            seed.address, "collection", "reported_scam_address", seed.victim,
            (seed.key[0],) if seed.key else (), f"reported as the scam address ({seed.seed_id})", 100,
        ))
        if seed.address in placed:
            result.endpoints[seed.address] = placed[seed.address]
        else:
            result.collections.add(seed.address)
        if seed.victim and seed.victim not in result.services:
            result.victims[seed.victim] = "reported"
        if seed.key and seed.amount:
            label = seed.report_id or seed.seed_id
            result.sources[seed.key] = {label: seed.amount}
            result.source_victims[label] = seed.victim or ""


def _expand(con, result: ChainTrace, imitations: set[str], params: TraceParams, progress: Progress) -> None:
    """Follow the money hop by hop from the collections, classifying each new address it reaches,
    until no new address is to be followed."""
    graph = result.graph
    followed = {a: 1 for a in sorted(result.collections)}
    result.beyond_hops = {}
    while True:
        result.ensure(followed)
        graph.load(followed)
        prop = propagate(graph.in_order(), result.sources, followed, result.assets, imitations, params,
                         WRAPPED_NATIVE.get(result.chain))
        new = sorted(a for a in prop.reached if a not in followed and a not in result.endpoints
                     and a not in result.beyond_hops)
        if new:
            result.ensure(new)
            result.endpoints.update(_classify(con, result, new, followed, prop, params))
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


def _classify(con, result: ChainTrace, candidates: list[str], followed: dict[str, int],
              prop: Propagation, params: TraceParams) -> dict[str, Endpoint]:
    """The endpoints among the candidates; the others are to be followed."""
    chain = result.chain
    cluster = set(followed) | (set(result.links) - set(result.endpoints))
    victims = set(result.victims) | payers_into(
        result.graph.moves.values(), result.collections, cluster, result.services, result.assets, params)
    found = tagged_endpoints(con, chain, candidates)
    for address in candidates:
        if address not in found and address in victims:
            found[address] = Endpoint(
                role="victim", subrole="returned", rule="returned_to_victim",
                detail="money paid back to a victim of the case (a fake 'profit')",
            )
    rest = [a for a in candidates if a not in found]
    found.update(deposit_addresses(con, chain, rest, params))
    rest = [a for a in rest if a not in found]
    reached_assets: dict[str, set[str]] = {}
    for flow in prop.flows.values():
        if flow.move.receiver in rest:
            reached_assets.setdefault(flow.move.receiver, set()).add(flow.move.asset)
    found.update(mixers(con, chain, [a for a in rest if "native" in reached_assets.get(a, ())], params))
    rest = [a for a in rest if a not in found]
    if rest:
        found.update(services(con, chain, rest, cluster, victims, reached_assets, params,
                              result.ensure if result.live else None))
    return found


def _cluster(con, result: ChainTrace, params: TraceParams) -> set[str]:
    """Fan-in (consolidators and their collections) and gas feeders; returns new collections."""
    members = result.cluster()
    with_table(con, "trace_members", members)
    result.ensure(_senders_into(con, result.chain, members))
    excluded = set(result.victims) | set(result.endpoints)
    known = {a for a in result.collections if a in members}
    new: set[str] = set()
    core = {a for a, link in result.links.items() if link.subrole != "co_funded"} - set(result.endpoints)
    for link in fan_in(con, result.chain, members, known, core, excluded, result.assets, params):
        _link(result, link)
        if link.subrole == "collection" and link.address not in result.collections:
            new.add(link.address)
    result.collections |= new
    victims = set(result.victims) - result.services
    result.ensure(victims)
    for link in profit_payers(con, result.chain, victims, result.collections, result.cluster(), excluded,
                              result.assets, params, result.ensure if result.live else None):
        _link(result, link)
    feeder_members = {a for a, link in result.links.items() if link.subrole != "co_funded"} | set(result.followed)
    feeder_members -= set(result.endpoints) | set(result.victims)
    links, funded = gas_feeders(con, result.chain, feeder_members, excluded, params)
    for link in links:
        _link(result, link)
    result.funded |= funded
    return new


def _senders_into(con, chain: str, members: set[str]) -> list[str]:
    """Who sent anything to the members (to fetch before the clustering rules read them)."""
    found = rows(con, "trace/senders_into", {"chain": chain})
    return [a for (a,) in found if a not in members]


def _attribute(result: ChainTrace, params: TraceParams) -> int:
    """Payments into collection addresses from outside the cluster are victims' money. A reported
    scam address that is an exchange deposit address (a mule's) also takes the mule's own money:
    there, only the reported victims' other payments are theirs."""
    graph = result.graph
    graph.load(result.collections)
    services = result.services | {a for a, e in result.endpoints.items() if e.role in ("exchange", "service")}
    excluded = result.cluster() | {a for a, e in result.endpoints.items() if e.role == "deposit_wallet"}
    reported = {v for v, kind in result.victims.items() if kind == "reported"}
    seed_deposits = {s.address for s in result.seeds} & set(result.endpoints)
    payments = victim_payments(graph.in_order(), result.collections, excluded - services, services,
                               set(result.sources), result.assets, params)
    payments += [(move, victim) for move, victim in victim_payments(
        graph.in_order(), seed_deposits, set(), services, set(result.sources), result.assets, params)
        if victim in reported]
    for move, victim in payments:
        label = f"discovered:{move.sender}"
        result.sources[move.key] = {label: move.amount}
        result.source_victims[label] = victim or ""
        if victim:
            result.victims.setdefault(victim, "discovered")
    return len(payments)


def _drop_stale_endpoints(result: ChainTrace) -> None:
    """Keep the endpoints the final flows reach (and seeds placed as endpoints)."""
    reached = {f.move.receiver for f in result.propagation.flows.values()}
    seeds = {s.address for s in result.seeds}
    result.endpoints = {a: e for a, e in result.endpoints.items() if a in reached or a in seeds}


def seeds_of_case(con: duckdb.DuckDBPyConnection, case_id: str) -> dict[str, list[Seed]]:
    found = rows(con, "trace/case_seeds", {"case_id": case_id})
    by_chain: dict[str, list[Seed]] = {}
    for chain, seed_id, address, asset, tx, position, amount, victim, report_id, kind in found:
        key = (tx, kind, position) if tx and kind else None
        by_chain.setdefault(chain, []).append(
            Seed(seed_id, address, asset, key, int(amount) if amount else None, victim, report_id)
        )
    return by_chain


__all__ = ["ChainTrace", "Seed", "seeds_of_case", "trace_chain"]
