"""Findings summary of a case's latest finished trace: what `tracers findings --case` shows.

`findings_summary` gathers it (exact amounts, base units kept); `Summary.to_dict()` is its JSON;
`render_summary` (render.py) is its text.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

import duckdb

from tracers.domain import iso_utc
from tracers.findings.amounts import Amount, amount, totals
from tracers.findings.assets import AssetBook
from tracers.findings.deposits import deposit_flows
from tracers.findings.peels import PeelChain, peel_chains
from tracers.findings.run import RunInfo, case_title, latest_run
from tracers.store.queries import rows


def _amounts(values: tuple[Amount, ...]) -> list[dict]:
    return [a.to_dict() for a in values]


@dataclass(frozen=True)
class Cluster:
    cluster_id: str
    members: dict[str, tuple[str, ...]]  # subrole (or role) -> addresses

    @property
    def size(self) -> int:
        return sum(len(m) for m in self.members.values())

    def to_dict(self) -> dict:
        return {"cluster_id": self.cluster_id, "size": self.size,
                "counts": {k: len(v) for k, v in self.members.items()},
                "members": {k: list(v) for k, v in self.members.items()}}


@dataclass(frozen=True)
class ExchangeReached:
    exchange: str
    deposit_addresses: int  # deposit addresses that received victim money
    transfers: int
    traced: tuple[Amount, ...]

    def to_dict(self) -> dict:
        return {"exchange": self.exchange, "deposit_addresses": self.deposit_addresses,
                "transfers": self.transfers, "traced": _amounts(self.traced)}


@dataclass(frozen=True)
class ServiceReached:
    chain: str
    address: str
    subrole: str | None
    label: str | None
    traced: tuple[Amount, ...]

    @property
    def kind(self) -> str:
        """What the money reached, as an analyst names it (mixer and bridge exposure stand out)."""
        if self.subrole in ("mixer", "mixing_service"):
            return "mixer exposure"
        if self.subrole in ("defi_bridge", "bridge"):
            return "bridge exposure"
        return self.subrole or ""

    def to_dict(self) -> dict:
        return {"chain": self.chain, "address": self.address, "subrole": self.subrole, "kind": self.kind,
                "label": self.label, "traced": _amounts(self.traced)}


@dataclass(frozen=True)
class AtRest:
    finding_id: str
    chain: str
    address: str | None
    role: str | None
    subrole: str | None
    cluster_id: str | None
    amount: Amount | None

    def to_dict(self) -> dict:
        return {"finding_id": self.finding_id, "chain": self.chain, "address": self.address,
                "role": self.role, "subrole": self.subrole, "cluster_id": self.cluster_id,
                "amount": self.amount.to_dict() if self.amount else None}


@dataclass(frozen=True)
class Victim:
    chain: str
    address: str
    subrole: str | None  # reported | discovered
    cluster_id: str | None
    report_ids: tuple[str, ...]
    reported: tuple[Amount, ...]  # what the accepted reports say was paid
    paid: tuple[Amount, ...]  # victim money the trace saw leave the address (hop 1)

    def to_dict(self) -> dict:
        return {"chain": self.chain, "address": self.address, "subrole": self.subrole,
                "cluster_id": self.cluster_id, "report_ids": list(self.report_ids),
                "reported": _amounts(self.reported), "paid": _amounts(self.paid)}


@dataclass(frozen=True)
class NotFollowed:
    rule: str
    count: int
    amounts: tuple[Amount, ...]

    def to_dict(self) -> dict:
        return {"rule": self.rule, "count": self.count, "amounts": _amounts(self.amounts)}


@dataclass(frozen=True)
class ReviewItem:
    """An address the trace's rules disagreed on: the role kept and the claims it beat."""

    finding_id: str
    chain: str
    address: str
    detail: str

    def to_dict(self) -> dict:
        return {"finding_id": self.finding_id, "chain": self.chain, "address": self.address, "detail": self.detail}


@dataclass(frozen=True)
class PartnerMatch:
    """An address the run reached that a partner organisation flagged (a partner_match finding)."""

    finding_id: str
    chain: str
    address: str
    source_org: str
    tlp: str | None
    label: str
    category: str | None
    detail: str
    tx_hashes: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"finding_id": self.finding_id, "chain": self.chain, "address": self.address,
                "source_org": self.source_org, "tlp": self.tlp, "label": self.label, "category": self.category,
                "detail": self.detail, "tx_hashes": list(self.tx_hashes)}


@dataclass(frozen=True)
class Summary:
    case_id: str
    title: str | None
    run: RunInfo
    victims: tuple[Victim, ...]
    clusters: tuple[Cluster, ...]
    peel_chains: tuple[PeelChain, ...]
    exchanges: tuple[ExchangeReached, ...]
    services: tuple[ServiceReached, ...]
    at_rest: tuple[AtRest, ...]
    not_followed: tuple[NotFollowed, ...]
    review: tuple[ReviewItem, ...] = ()
    partner_matches: tuple[PartnerMatch, ...] = ()

    def victims_by_subrole(self) -> dict[str, tuple[int, tuple[Amount, ...]]]:
        """subrole -> (victims, what they paid into the scam per asset)."""
        groups: dict[str, list[Victim]] = defaultdict(list)
        for v in self.victims:
            groups[v.subrole or "unspecified"].append(v)
        return {
            subrole: (len(vs), _add([a for v in vs for a in v.paid]))
            for subrole, vs in sorted(groups.items())
        }

    def at_rest_total(self) -> tuple[Amount, ...]:
        return _add([r.amount for r in self.at_rest if r.amount is not None])

    def to_dict(self) -> dict:
        return {
            "case_id": self.case_id,
            "title": self.title,
            "run": {"run_id": self.run.run_id, "started_at": iso_utc(self.run.started_at),
                    "finished_at": iso_utc(self.run.finished_at), "tool_version": self.run.tool_version,
                    "params": self.run.params,
                    "newer_unfinished": [{"run_id": r, "status": s} for r, s in self.run.newer_unfinished]},
            "victims": {
                "by_subrole": {k: {"count": n, "paid": _amounts(t)} for k, (n, t) in self.victims_by_subrole().items()},
                "addresses": [v.to_dict() for v in self.victims],
            },
            "clusters": [c.to_dict() for c in self.clusters],
            "peel_chains": [c.to_dict() for c in self.peel_chains],
            "exchanges": [e.to_dict() for e in self.exchanges],
            "services": [s.to_dict() for s in self.services],
            "at_rest": {"total": _amounts(self.at_rest_total()), "addresses": [r.to_dict() for r in self.at_rest]},
            "not_followed": [n.to_dict() for n in self.not_followed],
            "review": [r.to_dict() for r in self.review],
            "partner_matches": [m.to_dict() for m in self.partner_matches],
        }


def _add(amounts: list[Amount]) -> tuple[Amount, ...]:
    sums: dict[tuple, int] = defaultdict(int)
    for a in amounts:
        sums[(a.chain, a.asset, a.symbol, a.decimals)] += a.base_units
    ordered = sorted(sums.items(), key=lambda kv: kv[0][:2])
    return tuple(Amount(c, asset, s, d, base) for (c, asset, s, d), base in ordered)


def findings_summary(con: duckdb.DuckDBPyConnection, case_id: str) -> Summary:
    """What the case's latest finished trace found, section by section."""
    run = latest_run(con, case_id)
    book = AssetBook(con)
    params = {"run_id": run.run_id, "case_id": case_id}
    return Summary(
        case_id=case_id,
        title=case_title(con, case_id),
        run=run,
        victims=_victims(con, params, book),
        clusters=_clusters(con, params),
        peel_chains=peel_chains(con, run.run_id, book),
        exchanges=_exchanges(con, run.run_id, book),
        services=_services(con, params, book),
        at_rest=_at_rest(con, params, book),
        not_followed=_not_followed(con, params, book),
        review=tuple(ReviewItem(*row) for row in rows(con, "queries/review_items", params)),
        partner_matches=partner_matches(con, run.run_id),
    )


def partner_matches(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[PartnerMatch, ...]:
    """The run's partner matches (partner_match findings), by chain and address."""
    found = []
    for finding_id, chain, address, text, tx_hashes, detail in rows(
        con, "queries/partner_matches", {"run_id": run_id}
    ):
        tag = json.loads(text)
        found.append(PartnerMatch(finding_id, chain, address, tag.get("source_org") or "", tag.get("tlp"),
                                  tag.get("label") or "", tag.get("category"), detail, tuple(tx_hashes or ())))
    return tuple(found)


def _clusters(con, params) -> tuple[Cluster, ...]:
    members: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for cluster_id, part, _chain, address in rows(con, "queries/clusters", params):
        members[cluster_id][part].append(address)
    return tuple(Cluster(cid, {p: tuple(a) for p, a in parts.items()}) for cid, parts in sorted(members.items()))


def _exchanges(con, run_id: str, book: AssetBook) -> tuple[ExchangeReached, ...]:
    groups = defaultdict(list)
    for flow in deposit_flows(con, run_id):
        groups[flow.exchange].append(flow)
    return tuple(
        ExchangeReached(
            exchange=exchange,
            deposit_addresses=len({(f.chain, f.deposit_address) for f in flows}),
            transfers=len(flows),
            traced=totals(book, ((f.chain, f.asset, f.traced_amount) for f in flows)),
        )
        for exchange, flows in sorted(groups.items())
    )


def _services(con, params, book: AssetBook) -> tuple[ServiceReached, ...]:
    found: dict[tuple, list] = {}
    for chain, address, subrole, label, asset, total in rows(con, "queries/services_reached", params):
        parts = found.setdefault((chain, address, subrole, label), [])
        if asset is not None:
            parts.append((chain, asset, int(total)))
    return tuple(ServiceReached(c, a, s, lbl, totals(book, parts)) for (c, a, s, lbl), parts in found.items())


def _at_rest(con, params, book: AssetBook) -> tuple[AtRest, ...]:
    found = [
        AtRest(fid, chain, address, role, subrole, cluster_id,
               amount(book, chain, asset, int(base)) if asset is not None and base is not None else None)
        for fid, chain, address, asset, base, role, subrole, cluster_id, _evidence, _issuer
        in rows(con, "queries/at_rest", params)
    ]
    return tuple(sorted(found, key=lambda r: (-(r.amount.base_units if r.amount else 0), r.chain,
                                             r.address or "", r.finding_id)))


def _victims(con, params, book: AssetBook) -> tuple[Victim, ...]:
    found: dict[tuple, dict] = {}
    for chain, address, subrole, cluster_id, what, asset, total, report_ids in (
        rows(con, "queries/victims", params)
    ):
        entry = found.setdefault((chain, address, subrole, cluster_id), {"paid": [], "reported": [], "ids": []})
        if what != "none":
            entry[what].append((chain, asset, int(total)))
        if report_ids:
            entry["ids"].extend(report_ids)
    victims = [
        Victim(chain, address, subrole, cluster_id, tuple(sorted(e["ids"])),
               totals(book, e["reported"]), totals(book, e["paid"]))
        for (chain, address, subrole, cluster_id), e in found.items()
    ]
    return tuple(sorted(victims, key=lambda v: (v.subrole != "reported", v.subrole or "", v.address, v.chain)))


def _not_followed(con, params, book: AssetBook) -> tuple[NotFollowed, ...]:
    counts: dict[str, int] = defaultdict(int)
    parts: dict[str, list] = defaultdict(list)
    for rule, chain, asset, n, total in rows(con, "queries/not_followed", params):
        counts[rule] += n
        if asset is not None and total is not None:
            parts[rule].append((chain, asset, int(total)))
    return tuple(NotFollowed(rule, counts[rule], totals(book, parts[rule])) for rule in sorted(counts))
