"""STIX 2.1 export: a case shared with partner units (FIUs, police) as one bundle, written with the
`stix2` library from the case's latest finished trace run.

What the bundle holds, and why:

- a `report` for the case (name, description with the run id and the tracers version, published =
  the run's finish time) whose `object_refs` list everything below;
- an `identity` for tracers (`identity_class` system), the `created_by_ref` of every object;
- per address (perpetrators; exchange deposit addresses; victims only with `include_victims`, as
  they are personal data): a `cryptocurrency-wallet` observable and an `indicator` whose pattern is
  `[cryptocurrency-wallet:value = '<address>']`. STIX 2.1 has no wallet observable of its own; this
  one is the community SCO that OpenCTI and the stix2extensions project use (`value`, `holder_ref`,
  id from `value`; extension-definition--be78509e-…, referenced, not copied). The indicator names
  the role: `indicator_types` malicious-activity for perpetrators, attribution for deposit
  addresses (they attribute the money to an account holder), none for victims (nothing
  malicious); its `confidence` is tracers' 0-100 score; the role, subrole, cluster, chain, hop and
  the findings and rules behind the role are `x_tracers_*` properties;
- a `threat-actor` (crime-syndicate) per scam cluster, each perpetrator's indicator `indicates` it;
- an `identity` (organization, financial-services) per exchange reached: a deposit address's
  wallet has it as `holder_ref`, and its indicator is `related-to` it by a relationship carrying
  the victim money traced into the address per asset (`x_tracers_traced`, exact decimal strings
  and base units), the transfers, their transaction hashes and the findings that tag the address;
- one `extension-definition` (toplevel-property-extension) naming and explaining every
  `x_tracers_*` property, so that the bundle stays valid STIX 2.1 with its own properties;
- the TLP marking the analyst chose, on every object but the marking itself: the TLP 2.0
  marking definitions OASIS publishes (fixed ids, extension-definition--60a3c5c5-…), since STIX
  2.1 predefines only TLP 1.0 (no clear, no amber+strict, and its amber forbids sharing with
  clients, which TLP 2.0 amber allows).

The same store gives the same bytes: ids are UUIDs (version 4 form) hashed from the run, the TLP
and the object's key; wallets keep STIX's deterministic UUIDv5 from their address; every timestamp
is the run's finish time; objects are sorted. Another run, or another TLP, gives other ids: a
STIX object may not change under one id and timestamp.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
from stix2 import v21
from stix2.properties import ReferenceProperty, StringProperty

from tracers import __version__
from tracers.domain import iso_utc
from tracers.errors import TracersError
from tracers.exports.files import out_file, write_whole
from tracers.exports.tlp import DEFAULT_TLP, TLP_MEANING, tlp_label, tlp_level
from tracers.findings import (
    AssetBook,
    DepositFlow,
    RunAddress,
    RunInfo,
    case_title,
    deposit_flows,
    finding_rules,
    latest_run,
    run_addresses,
    totals,
)

# TLP 2.0 as OASIS publishes it (cti-stix-common-objects, extension-definition-specifications/tlp-2.0).
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP2_MARKING_IDS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
WALLET_EXTENSION = "extension-definition--be78509e-6958-51b1-8b26-d17ee0eba2d7"
EXPORTED_ROLES = ("perpetrator", "deposit_wallet", "victim")
INDICATOR_TYPES = {"perpetrator": ["malicious-activity"], "deposit_wallet": ["attribution"], "victim": []}
# The x_tracers_* properties and what they mean: the extension definition's schema.
PROPERTIES = {
    "x_tracers_case_id": "the case (report)",
    "x_tracers_run_id": "the trace run the bundle was written from (report)",
    "x_tracers_chain": "the chain of the address (ethereum, tron, ...)",
    "x_tracers_role": "perpetrator, deposit_wallet or victim (INTERPOL DW-CC roles)",
    "x_tracers_subrole": "collection, consolidator, peel_hop, gas_feeder, reported, discovered, ...",
    "x_tracers_cluster_id": "the scam cluster the trace put the address in",
    "x_tracers_hop": "hops from the victims' payments to the address",
    "x_tracers_findings": "ids of the trace findings the role rests on",
    "x_tracers_rules": "the rules (heuristics) of those findings",
    "x_tracers_traced": "victim money traced into a deposit address, per asset: chain, asset "
                        "(contract or native), symbol, decimals, amount (exact token units) and "
                        "base_units (exact integer), both decimal strings",
    "x_tracers_transfers": "how many transfers carried that money",
    "x_tracers_tx_hashes": "the hashes of those transfers",
}
_TYPE_ORDER = ("marking-definition", "identity", "extension-definition", "report", "threat-actor",
               "indicator", "cryptocurrency-wallet", "relationship")


@v21.CustomObservable("cryptocurrency-wallet", [
    ("value", StringProperty(required=True)),
    ("holder_ref", ReferenceProperty(valid_types="identity", spec_version="2.1")),
], id_contrib_props=["value"], extension_name=WALLET_EXTENSION)
class CryptocurrencyWallet:
    """A wallet address (`value`); `holder_ref`: who holds its key (the exchange, for a deposit address)."""


@dataclass(frozen=True)
class StixResult:
    path: Path
    tlp: str
    indicators: dict[str, int]  # role -> indicators written
    objects: int

    def describe(self) -> str:
        counts = ", ".join(f"{n} {role.replace('_', ' ')}" for role, n in self.indicators.items() if n)
        return f"wrote {self.path}: {self.objects} STIX objects, indicators: {counts}; {tlp_label(self.tlp)}"


def export_stix(
    con: duckdb.DuckDBPyConnection, case_id: str, out: str | Path, *, tlp: str = DEFAULT_TLP,
    include_victims: bool = False, force: bool = False,
) -> StixResult:
    """Write the STIX 2.1 bundle of the case's latest finished trace run to `out` (JSON).

    Victims' addresses (personal data) are left out unless `include_victims`; an existing file is
    replaced only with `force`."""
    level = tlp_level(tlp)
    path = out_file(out, force=force)
    run = latest_run(con, case_id)
    addresses = [a for a in run_addresses(con, run.run_id) if a.role in EXPORTED_ROLES]
    bundle = stix_bundle(
        run, case_title(con, case_id), addresses, finding_rules(con, run.run_id),
        deposit_flows(con, run.run_id), AssetBook(con), tlp=level, include_victims=include_victims,
    )
    write_whole(path, bundle_bytes(bundle))
    return StixResult(path, level, indicator_roles(bundle.objects), len(bundle.objects))


def indicator_roles(objects: Iterable[Any]) -> dict[str, int]:
    """role -> how many indicators of the objects carry it (perpetrator, deposit_wallet, victim)."""
    found = [o["x_tracers_role"] for o in objects if o["type"] == "indicator"]
    return {role: found.count(role) for role in EXPORTED_ROLES}


def bundle_bytes(bundle: v21.Bundle) -> bytes:
    """The bundle as JSON: keys in STIX order, indented, UTF-8, LF, ending in a newline."""
    return (bundle.serialize(pretty=True) + "\n").encode("utf-8")


def stix_bundle(
    run: RunInfo, title: str | None, addresses: Iterable[RunAddress],
    rules: dict[str, tuple[str, tuple[str, ...]]], flows: Iterable[DepositFlow], book: AssetBook, *,
    tlp: str = DEFAULT_TLP, include_victims: bool = False,
) -> v21.Bundle:
    """The case's bundle (pure: everything it shows comes in as arguments)."""
    level = tlp_level(tlp)
    shared = sorted((a for a in addresses if a.role != "victim" or include_victims),
                    key=lambda a: (EXPORTED_ROLES.index(a.role), a.chain, a.address))
    if not any(a.role != "victim" for a in shared):
        raise TracersError(f"trace run {run.run_id} of case {run.case_id} found no perpetrator or "
                           "deposit address to share: a STIX bundle needs at least one")
    b = _Builder(run, level)
    into: dict[tuple[str, str], list[DepositFlow]] = defaultdict(list)
    for flow in flows:
        into[(flow.chain, flow.deposit_address)].append(flow)
    for a in shared:
        b.address(a, rules, into.get((a.chain, a.address), []), book)
    return b.bundle(title, include_victims)


class _Builder:
    """Collects the objects of one bundle: ids, timestamps, marking and author set once."""

    def __init__(self, run: RunInfo, tlp: str) -> None:
        self.run, self.tlp = run, tlp
        self.at: datetime = run.finished_at or run.started_at
        self.marking = v21.MarkingDefinition(
            id=TLP2_MARKING_IDS[tlp], created=TLP2_CREATED, name=tlp_label(tlp),
            extensions={TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": tlp}})
        self.author = v21.Identity(
            id=self.id("identity", "tracers"), name="tracers", identity_class="system",
            description="tracers follows the money of pig-butchering scams across public "
                        "blockchains; it wrote this bundle from a finished trace run.",
            **self.common(author=False))
        self.extension = v21.ExtensionDefinition(
            id=self.id("extension-definition", "x_tracers"), name="tracers case properties",
            description="Properties tracers adds to indicators, relationships and reports: the "
                        "roles, evidence and traced amounts of a case's trace run.",
            schema="; ".join(f"{name}: {meaning}" for name, meaning in PROPERTIES.items()),
            version="1.0", extension_types=["toplevel-property-extension"],
            extension_properties=list(PROPERTIES), **self.common())
        self.objects: dict[str, Any] = {}
        self.clusters: dict[str, list[RunAddress]] = defaultdict(list)

    def id(self, kind: str, *key: str) -> str:
        digest = hashlib.sha256("\x1f".join((self.run.run_id, self.tlp, kind, *key)).encode()).digest()
        return f"{kind}--{uuid.UUID(bytes=digest[:16], version=4)}"

    def common(self, *, author: bool = True, custom: bool = False) -> dict:
        fields: dict = {"created": self.at, "modified": self.at, "object_marking_refs": [self.marking.id]}
        if author:
            fields["created_by_ref"] = self.id("identity", "tracers")
        if custom:
            fields["extensions"] = {self.extension.id: {"extension_type": "toplevel-property-extension"}}
            fields["allow_custom"] = True
        return fields

    def add(self, obj: Any) -> None:
        self.objects.setdefault(obj.id, obj)  # one wallet per address, whatever its chains

    def address(self, a: RunAddress, rules: dict, flows: list[DepositFlow], book: AssetBook) -> None:
        holder = self.exchange(a.exchange) if a.role == "deposit_wallet" and a.exchange else None
        wallet = CryptocurrencyWallet(  # type: ignore[call-arg]  # stix2 gives the class its properties
            value=a.address, holder_ref=holder, object_marking_refs=[self.marking.id])
        facts = {"x_tracers_chain": a.chain, "x_tracers_role": a.role, "x_tracers_subrole": a.subrole,
                 "x_tracers_cluster_id": a.cluster_id, "x_tracers_hop": a.hop,
                 "x_tracers_findings": list(a.evidence),
                 "x_tracers_rules": sorted({rules[i][0] for i in a.evidence if i in rules})}
        traced = _traced(book, flows)
        if a.role == "deposit_wallet":
            facts["x_tracers_traced"] = traced
        indicator = v21.Indicator(  # stix2 leaves out properties that are None or []
            id=self.id("indicator", a.chain, a.address), name=_name(a), description=self.about(a),
            indicator_types=INDICATOR_TYPES[a.role], confidence=a.confidence,
            pattern=f"[cryptocurrency-wallet:value = '{_quoted(a.address)}']", pattern_type="stix",
            valid_from=self.at, **facts, **self.common(custom=True))
        self.add(wallet)
        self.add(indicator)
        if a.role == "perpetrator" and a.cluster_id:
            self.clusters[a.cluster_id].append(a)
            self.relate(indicator.id, "indicates", self.cluster(a.cluster_id), a.chain, a.address,
                        description=f"trace run {self.run.run_id} put {a.address} in scam cluster {a.cluster_id}")
        if holder:
            txs = sorted({f.tx_hash for f in flows})
            self.relate(indicator.id, "related-to", holder, a.chain, a.address, custom=True,
                        description=f"{a.exchange} deposit address {a.address} received victim money: "
                                    + (", ".join(f"{t['amount']} {t.get('symbol') or t['asset']}"
                                                 for t in traced) or "none traced"),
                        x_tracers_traced=traced, x_tracers_transfers=len(flows), x_tracers_tx_hashes=txs,
                        x_tracers_findings=sorted({i for f in flows for i in f.evidence} | set(a.evidence)))

    def about(self, a: RunAddress) -> str:
        what = {"perpetrator": f"Address of a pig-butchering scam ({a.subrole or 'perpetrator'})",
                "deposit_wallet": f"Deposit address at {a.exchange or 'an unidentified exchange'} "
                                  "that received the scam's victim money",
                "victim": "Address of a victim who paid the scam (personal data)"}[a.role]
        cluster = f", scam cluster {a.cluster_id}" if a.cluster_id else ""
        evidence = ", ".join(a.evidence) or "none recorded"
        return (f"{what}, on {a.chain}{cluster}. Found by trace run {self.run.run_id} of case "
                f"{self.run.case_id}; findings: {evidence}.")

    def exchange(self, name: str) -> str:
        identity = v21.Identity(
            id=self.id("identity", "exchange", name), name=name, identity_class="organization",
            sectors=["financial-services"],
            description=f"Exchange whose deposit addresses received victim money in case {self.run.case_id}",
            **self.common())
        self.add(identity)
        return identity.id

    def cluster(self, cluster_id: str) -> str:
        return self.id("threat-actor", cluster_id)

    def relate(self, source: str, kind: str, target: str, *key: str, custom: bool = False, **fields) -> None:
        self.add(v21.Relationship(id=self.id("relationship", kind, *key), relationship_type=kind,
                                  source_ref=source, target_ref=target, **fields, **self.common(custom=custom)))

    def threat_actors(self) -> None:
        for cluster_id, members in self.clusters.items():
            self.add(v21.ThreatActor(
                id=self.cluster(cluster_id), name=f"scam cluster {cluster_id}",
                threat_actor_types=["crime-syndicate"],
                description=f"A pig-butchering scam operation as trace run {self.run.run_id} of case "
                            f"{self.run.case_id} clusters it: {len(members)} perpetrator addresses.",
                **self.common()))

    def bundle(self, title: str | None, include_victims: bool) -> v21.Bundle:
        self.threat_actors()
        content = sorted(self.objects)
        roles = indicator_roles(self.objects.values())
        victims = (f", and {roles['victim']} victims' addresses" if include_victims
                   else "; victims' addresses are left out (personal data)")
        report = v21.Report(
            id=self.id("report", str(include_victims)),
            name=f"tracers case {self.run.case_id}" + (f": {title}" if title else ""),
            description=(
                f"Case {self.run.case_id}: the addresses of trace run {self.run.run_id} (finished "
                f"{iso_utc(self.at)}), written by tracers {__version__}: {roles['perpetrator']} "
                f"perpetrator addresses in {len(self.clusters)} scam cluster(s), "
                f"{roles['deposit_wallet']} exchange deposit addresses{victims}. "
                f"{tlp_label(self.tlp)}: {TLP_MEANING[self.tlp]}."),
            published=self.at, report_types=["threat-report"], object_refs=content,
            x_tracers_case_id=self.run.case_id, x_tracers_run_id=self.run.run_id,
            **self.common(custom=True))
        objects = [self.marking, self.author, self.extension, report, *self.objects.values()]
        objects.sort(key=lambda o: (_TYPE_ORDER.index(o["type"]), o["id"]))
        return v21.Bundle(*objects, id=self.id("bundle", str(include_victims)), allow_custom=True)


def _traced(book: AssetBook, flows: list[DepositFlow]) -> list[dict]:
    """Victim money into one deposit address per asset, exact (decimal strings)."""
    amounts = totals(book, ((f.chain, f.asset, f.traced_amount) for f in flows))
    return [{k: v for k, v in a.to_dict().items() if v is not None} for a in amounts]


def _name(a: RunAddress) -> str:
    if a.role == "deposit_wallet":
        return f"{a.exchange or 'unidentified exchange'} deposit address {a.address}"
    if a.role == "victim":
        return f"victim address {a.address}"
    return f"pig-butchering scam address {a.address}" + (f" ({a.subrole})" if a.subrole else "")


def _quoted(text: str) -> str:
    """A STIX pattern string literal's content: backslash and quote escaped."""
    return text.replace("\\", "\\\\").replace("'", "\\'")

