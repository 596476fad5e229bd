"""Turn a chain trace into the run's rows: addresses with roles, flows, findings with evidence."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from tracers.trace.engine import ChainTrace
from tracers.trace.params import TraceParams

ROLE_ORDER = ("victim", "perpetrator", "deposit_wallet", "exchange", "service", "unknown")
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

    def union(a: str, b: str) -> None:
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


def build_rows(run_id: str, trace: ChainTrace, params: TraceParams) -> RunRows:
    rows = RunRows()
    found = _Findings(run_id, trace.chain, rows.findings)
    evidence: dict[str, list[str]] = defaultdict(list)
    prop = trace.propagation

    # perpetrators: addresses victim money was followed through, and the cluster links
    victims = dict(trace.victims)
    for address, endpoint in trace.endpoints.items():
        if endpoint.role == "victim":
            victims.setdefault(address, "discovered")
    perpetrators = (set(trace.followed) | set(trace.links)) - set(victims) - set(trace.endpoints)
    peel_hops: dict[str, str] = {}
    rule_params = {"rho": params.peel_rho, "min_hops": params.peel_min_hops,
                   "window_seconds": params.peel_window_seconds}
    for number, chain in enumerate(trace.peels, start=1):
        forward_of = {f.move.sender: f for f in chain.forwards}
        for peel in chain.peels:  # one finding per peel step: the hop, where its slice went
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
            if hop in perpetrators:
                peel_hops.setdefault(hop, finding)
    for address in sorted(trace.followed):
        if address in perpetrators and address not in trace.links:
            flows_in = [f for f in prop.flows.values() if f.move.receiver == address]
            evidence[address].append(found.add(
                "role", "followed", "received victim money and was followed",
                address=address, confidence=70,
                params={"hops": params.hops, "taint": params.taint.value},
                tx_hashes=[f.move.tx_hash for f in flows_in[:5]],
            ))
    for address, link in sorted(trace.links.items()):
        if address in perpetrators:
            evidence[address].append(found.add(
                "cluster_link" if link.rule != "reported_scam_address" else "role", link.rule,
                link.detail, address=address, related=link.related, confidence=link.confidence,
                params=link.params, tx_hashes=link.tx_hashes,
            ))
    for address, finding in peel_hops.items():
        evidence[address].append(finding)
    cluster_of = _clusters(trace, perpetrators)

    for address in sorted(perpetrators):
        link = trace.links.get(address)
        if link and link.subrole == "co_funded" and address in trace.followed:
            link = None  # money passed through it: that says more than who paid its gas
        subrole = link.subrole if link else ("peel_hop" if address in peel_hops else "intermediary")
        confidence = link.confidence if link else 70
        rows.addresses.append((
            run_id, trace.chain, address, "perpetrator", subrole, cluster_of.get(address), None, None,
            confidence, trace.followed.get(address), json.dumps(evidence[address]),
        ))

    # victims
    paid: dict[str, int] = defaultdict(int)
    for key, taint in trace.sources.items():
        for label, value in taint.items():
            paid[trace.source_victims.get(label, "")] += value
    for address, kind in sorted(victims.items()):
        payments = [key[0] for key, taint in trace.sources.items()
                    if any(trace.source_victims.get(lbl) == address for lbl in taint)]
        finding = found.add(
            "role", "victim_payment" if kind != "returned" else "returned_to_victim",
            f"{kind} victim: paid {paid.get(address, 0)} base units into collection addresses",
            address=address, amount=paid.get(address) or None, confidence=90 if kind == "reported" else 75,
            tx_hashes=payments[:20],
        )
        rows.addresses.append((
            run_id, trace.chain, address, "victim", kind, None, None, None,
            90 if kind == "reported" else 75, None, json.dumps([finding]),
        ))

    # endpoints: deposit wallets, exchanges, services
    into: dict[str, list] = defaultdict(list)
    for flow in prop.flows.values():
        into[flow.move.receiver].append(flow)
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
        rows.addresses.append((
            run_id, trace.chain, address, endpoint.role, endpoint.subrole, None, endpoint.label,
            endpoint.exchange, endpoint.confidence, hop, json.dumps(ids),
        ))
    placed = {row[2] for row in rows.addresses}
    for address, depth in sorted(trace.beyond_hops.items()):
        if address in placed:
            continue  # a rule placed it already (a collection, a victim, ...)
        finding = found.add("not_followed", "hop_limit", f"reached at hop {depth}, beyond --hops {params.hops}",
                            address=address, params={"hops": params.hops},
                            tx_hashes=[f.move.tx_hash for f in into.get(address, [])])
        rows.addresses.append((run_id, trace.chain, address, "unknown", "hop_limit", None, None, None,
                               None, depth, json.dumps([finding])))

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
            found.add("not_followed", reason, f"{len(keys)} transfers carried victim money but were not followed ({reason})",
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
        "victims": len(victims),
        "deposit_wallets": sum(1 for e in trace.endpoints.values() if e.role == "deposit_wallet"),
        "clusters": len(set(cluster_of.values())),
        "peel_chains": len(trace.peels),
        "at_rest": {k: str(v) for k, v in at_rest_total.items()},
    }
    return rows
