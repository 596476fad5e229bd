"""Turn a chain trace into the run's rows: addresses with roles, flows, findings with evidence."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from tracers.heuristics.roles import Claim, RoleBook
from tracers.trace.engine import ChainTrace
from tracers.trace.params import TraceParams

NOT_FOLLOWED_TX_CAP = 100


@dataclass
class RunRows:
    addresses: list[tuple] = field(default_factory=list)
    flows: list[tuple] = field(default_factory=list)
    findings: list[tuple] = field(default_factory=list)
    summary: dict = field(default_factory=dict)


class _Findings:
    def __init__(self, run_id: str, chain: str, rows: list[tuple]):
        self.run_id, self.chain, self.rows = run_id, chain, rows
        self.counter: dict[str, int] = defaultdict(int)

    def add(self, kind: str, rule: str, detail: str, *, address=None, related=None, asset=None,
            amount=None, confidence=None, params="{}", tx_hashes=()) -> str:
        self.counter[rule] += 1
        finding_id = f"{self.chain}:{rule}:{self.counter[rule]}"
        self.rows.append((
            self.run_id, finding_id, kind, rule, self.chain, address, related, asset,
            None if amount is None else str(amount), confidence,
            params if isinstance(params, str) else json.dumps(params, sort_keys=True),
            list(dict.fromkeys(tx_hashes)), detail,
        ))
        return finding_id


def _clusters(trace: ChainTrace, perpetrators: set[str]) -> dict[str, str]:
    """Connected components of the perpetrators (money between them, links between them)."""
    parent = {a: a for a in perpetrators}

    def find(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: str | None, b: str | None) -> None:
        if a in parent and b in parent:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)

    for flow in trace.propagation.flows.values():
        union(flow.move.sender, flow.move.receiver)
    for address, link in trace.links.items():
        if link.related:
            union(address, link.related)
    for feeder, funded in trace.funded:
        union(feeder, funded)
    roots = sorted({find(a) for a in perpetrators})
    names = {root: f"{trace.chain}-C{i + 1}" for i, root in enumerate(roots)}
    return {a: names[find(a)] for a in perpetrators}


def _claim_text(claim: Claim) -> str:
    return f"{claim.role} by {claim.basis}"


def _peel_findings(found: _Findings, trace: ChainTrace, params: TraceParams, members: set[str]) -> dict[str, str]:
    """One finding per peel step (the hop, where its slice went); hop address -> first finding."""
    peel_hops: dict[str, str] = {}
    rule_params = {"rho": params.peel_rho, "min_hops": params.peel_min_hops,
                   "window_seconds": params.peel_window_seconds}
    for number, chain in enumerate(trace.peels, start=1):
        forward_of = {f.move.sender: f for f in chain.forwards}
        for peel in chain.peels:
            hop = peel.move.sender
            forward = forward_of.get(hop)
            finding = found.add(
                "peel_chain", "peel_chain",
                f"peel chain {number} ({len(chain.hops) - 1} hops from {chain.source}): {hop} "
                f"forwarded {forward.move.amount if forward else '?'} to "
                f"{forward.move.receiver if forward else '?'} and peeled {peel.move.amount} "
                f"to {peel.move.receiver}",
                address=hop, related=peel.move.receiver, asset=chain.asset,
                amount=peel.move.amount, confidence=70, params=rule_params,
                tx_hashes=[peel.move.tx_hash] + ([forward.move.tx_hash] if forward else []),
            )
            if hop in members:
                peel_hops.setdefault(hop, finding)
    return peel_hops


def _perpetrator_claims(book: RoleBook, found: _Findings, run_id: str, trace: ChainTrace, params: TraceParams,
                        candidates: set[str], peel_hops: dict[str, str], cluster_of: dict[str, str]) -> None:
    """Addresses victim money was followed through, and the cluster links."""
    prop = trace.propagation
    for address in sorted(candidates):
        link = trace.links.get(address)
        if link and link.subrole == "co_funded" and address in trace.followed:
            link = None  # money passed through it: that says more than who paid its gas
        evidence = []
        if address in trace.followed and (link is None or link.rule == "gas_feeder"):
            flows_in = [f for f in prop.flows.values() if f.move.receiver == address]
            evidence.append(found.add(
                "role", "followed", "received victim money and was followed",
                address=address, confidence=70,
                params={"hops": params.hops, "taint": params.taint.value},
                tx_hashes=[f.move.tx_hash for f in flows_in[:5]],
            ))
        if address in trace.links:
            original = trace.links[address]
            evidence.append(found.add(
                "cluster_link" if original.rule != "reported_scam_address" else "role", original.rule,
                original.detail, address=address, related=original.related, confidence=original.confidence,
                params=original.params, tx_hashes=original.tx_hashes,
            ))
        if address in peel_hops:
            evidence.append(peel_hops[address])
        subrole = link.subrole if link else ("peel_hop" if address in peel_hops else "intermediary")
        basis = ("co_funded" if link.subrole == "co_funded" else link.rule) if link else (
            "peel_chain" if address in peel_hops else "followed")
        book.claim(address, Claim("perpetrator", basis, (
            run_id, trace.chain, address, "perpetrator", subrole, cluster_of.get(address), None, None,
            link.confidence if link else 70, trace.followed.get(address)), evidence))


def _victim_claims(book: RoleBook, found: _Findings, run_id: str, trace: ChainTrace, victims: dict[str, str]) -> None:
    paid: dict[str, int] = defaultdict(int)
    payments: dict[str, list[str]] = defaultdict(list)
    for key, taint in trace.sources.items():
        for label, value in taint.items():
            victim = trace.source_victims.get(label, "")
            paid[victim] += value
            payments[victim].append(key[0])
    for address, kind in sorted(victims.items()):
        finding = found.add(
            "role", "victim_payment" if kind != "returned" else "returned_to_victim",
            f"{kind} victim: paid {paid.get(address, 0)} base units into collection addresses",
            address=address, amount=paid.get(address) or None, confidence=90 if kind == "reported" else 75,
            tx_hashes=payments.get(address, [])[:20],
        )
        book.claim(address, Claim("victim", kind, (
            run_id, trace.chain, address, "victim", kind, None, None, None,
            90 if kind == "reported" else 75, None), [finding]))


def _endpoint_claims(book: RoleBook, found: _Findings, run_id: str, trace: ChainTrace, params: TraceParams,
                     into: dict[str, list]) -> None:
    """Deposit wallets, exchanges, services: the rule that placed them and what reached them."""
    for address, endpoint in sorted(trace.endpoints.items()):
        if endpoint.role == "victim":
            continue
        ids = [found.add(
            "deposit_tag" if endpoint.role == "deposit_wallet" else "endpoint", endpoint.rule,
            endpoint.detail, address=address, related=endpoint.related,
            confidence=endpoint.confidence, params=endpoint.params, tx_hashes=endpoint.tx_hashes,
        )]
        by_asset: dict[str, int] = defaultdict(int)
        labels: set[str] = set()
        for flow in into.get(address, []):
            by_asset[flow.move.asset] += flow.traced
            labels.update(flow.carried)
        for asset, amount in sorted(by_asset.items()):
            ids.append(found.add(
                "attribution", f"taint_{params.taint.value}",
                f"{amount} base units of victim money reached it ({len(labels)} victim sources)",
                address=address, asset=asset, amount=amount, confidence=endpoint.confidence,
                params={"taint": params.taint.value},
                tx_hashes=[f.move.tx_hash for f in into.get(address, []) if f.move.asset == asset],
            ))
        hop = min((f.hop for f in into.get(address, [])), default=None)
        book.claim(address, Claim(endpoint.role, endpoint.rule, (
            run_id, trace.chain, address, endpoint.role, endpoint.subrole, None, endpoint.label,
            endpoint.exchange, endpoint.confidence, hop), ids))


def build_rows(run_id: str, trace: ChainTrace, params: TraceParams) -> RunRows:
    rows = RunRows()
    found = _Findings(run_id, trace.chain, rows.findings)
    book = RoleBook()
    prop = trace.propagation
    into: dict[str, list] = defaultdict(list)
    for flow in prop.flows.values():
        if flow.move.receiver is not None:
            into[flow.move.receiver].append(flow)

    victims = dict(trace.victims)
    for address, endpoint in trace.endpoints.items():
        if endpoint.role == "victim":
            victims.setdefault(address, "returned")
    reported = {s.address for s in trace.seeds}  # a reported scam address keeps its claim, to be weighed
    candidates = (set(trace.followed) | set(trace.links)) - (set(trace.endpoints) - reported)
    peel_hops = _peel_findings(found, trace, params, candidates)
    cluster_of = _clusters(trace, candidates - set(victims))
    _perpetrator_claims(book, found, run_id, trace, params, candidates, peel_hops, cluster_of)
    _victim_claims(book, found, run_id, trace, victims)
    _endpoint_claims(book, found, run_id, trace, params, into)
    for address, depth in sorted(trace.beyond_hops.items()):
        finding = found.add("not_followed", "hop_limit", f"reached at hop {depth}, beyond --hops {params.hops}",
                            address=address, params={"hops": params.hops},
                            tx_hashes=[f.move.tx_hash for f in into.get(address, [])])
        book.claim(address, Claim("unknown", "hop_limit", (run_id, trace.chain, address, "unknown", "hop_limit",
                                                           None, None, None, None, depth), [finding]))

    perpetrators: set[str] = set()
    for address, winner, losers in book.resolve():
        evidence = list(winner.evidence)
        if losers:
            evidence.append(found.add(
                "review", "role_conflict",
                f"rules disagree: {_claim_text(winner)} (kept, strongest evidence) against "
                + "; ".join(_claim_text(c) for c in losers),
                address=address, confidence=None,
                params={"rank": {f"{c.role}/{c.basis}": c.rank for c in (winner, *losers)}},
                tx_hashes=[],
            ))
        rows.addresses.append((*winner.row, json.dumps(evidence)))
        if winner.role == "perpetrator":
            perpetrators.add(address)

    # conversions: victim money that changed asset (swaps, wraps)
    for cv in prop.conversions:
        c = cv.conversion
        kinds = {m.kind for m in c.paid + c.got}
        rule = "wrap" if "wrap" in kinds else "unwrap" if "unwrap" in kinds else "swap"
        (from_asset,) = c.from_assets
        found.add(
            "conversion", rule,
            f"{c.address} converted {cv.amount_in} base units of {from_asset} ({cv.traced_in} victim money) "
            f"into {cv.amount_out} of {cv.asset} in one transaction, with {', '.join(sorted(c.counterparties))}: "
            f"{cv.traced_out} of it is victim money (floor(out x traced_in / in))",
            address=c.address, related=min(c.counterparties), asset=cv.asset, amount=cv.traced_out,
            confidence=80,
            params={"from_asset": from_asset, "to_asset": cv.asset, "amount_in": str(cv.amount_in),
                    "amount_out": str(cv.amount_out), "traced_in": str(cv.traced_in),
                    "legs": [[m.kind, m.position, m.sender, m.receiver, m.asset, str(m.amount)]
                             for m in c.paid + c.got]},
            tx_hashes=[c.tx_hash],
        )

    # funds still at rest in the cluster
    at_rest_total: dict[str, int] = defaultdict(int)
    for (address, asset), taint in sorted(prop.at_rest.items()):
        amount = sum(taint.values())
        if address in perpetrators and amount:
            at_rest_total[asset] += amount
            found.add("endpoint", "at_rest", f"{amount} base units of victim money still held",
                      address=address, asset=asset, amount=amount, confidence=80,
                      params={"taint": params.taint.value})

    # what was not followed, and why
    for reason, moves in sorted(prop.not_followed.items()):
        found.add("not_followed", reason,
                  f"{len(moves)} transfers touching followed addresses were not followed ({reason})",
                  amount=len(moves), params={},
                  tx_hashes=[m.tx_hash for m in moves[:NOT_FOLLOWED_TX_CAP]])
    for reason, items in (("dust", prop.dust), ("outside_window", prop.outside_window)):
        keys = [k for ks in items.values() for k in ks]
        if keys:
            found.add("not_followed", reason,
                      f"{len(keys)} transfers carried victim money but were not followed ({reason})",
                      amount=len(keys), params={"dust": params.dust, "window_seconds": params.window_seconds},
                      tx_hashes=[k[0] for k in keys[:NOT_FOLLOWED_TX_CAP]])

    for flow in prop.flows.values():
        m = flow.move
        rows.flows.append((
            run_id, trace.chain, m.asset, m.tx_hash, m.position, m.kind, m.block_number, m.block_time,
            m.sender, m.receiver, str(m.amount), str(flow.traced), flow.hop, sorted(flow.carried),
        ))
    rows.summary = {
        "followed": len(trace.followed),
        "perpetrators": len(perpetrators),
        "victims": sum(1 for row in rows.addresses if row[3] == "victim"),
        "deposit_wallets": sum(1 for row in rows.addresses if row[3] == "deposit_wallet"),
        "clusters": len(set(cluster_of.values())),
        "peel_chains": len(trace.peels),
        "at_rest": {k: str(v) for k, v in at_rest_total.items()},
    }
    return rows
