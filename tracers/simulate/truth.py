"""truth.json: the ground truth a tracer is scored against.

Amounts are JSON integers in base units; addresses and hashes lowercase 0x-hex; `log_index` is
null for ether moves. Built from the scam's records once the moves have their transactions.

Confounders: `confounders` maps each one switched on to its drawn parameters; every perpetrator,
scam deposit and victim lists the `confounders` that touched it; `confounder_decoys` maps a
confounder to the addresses it planted that are neither perpetrators nor victims of the case;
`other_scam` lists the second scam group of shared_broker (not perpetrators of the case). A scam
deposit's `asset` is what the case paid into it ("native" for ether, else the token contract), and
its amounts are in that asset's base units: `victim_amount` (victim money converted along the chain
at the pool's price when the chain swapped), `total_received`, `non_victim_amount` (what reached
it from anyone but this case) and `tolerance`, the base units a traced amount may be off by beyond
5 % (mule_mixing: the non-victim money; otherwise 0); each of its `transfers` carries the asset too.

Ways out (swap_then_peel, mixer_deposits, bridge_deposit; empty lists when off): `pools` (DEX pools:
never perpetrators), `mixers` (the case's notes in) and `bridges` (the case's USDT in). Internal
ether transfers (traces.csv) carry their `trace_address` where a move is listed; chain peels and
hand-offs in ether carry "asset": "ETH".
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from tracers.simulate.addresses import AddressBook
from tracers.simulate.cast import Cast
from tracers.simulate.chain import Asset, Timeline
from tracers.simulate.config import SimulationConfig
from tracers.simulate.confounders import MULE_MIXING
from tracers.simulate.exits import Exits
from tracers.simulate.peel import DEPOSIT, Peel, PeelPlan
from tracers.simulate.poisoning import Poisoning
from tracers.simulate.records import Cluster, made
from tracers.simulate.reports import Report
from tracers.simulate.scam import ScamWorld
from tracers.simulate.settle import DepositTable

NATIVE = "native"


class _Refs:
    """tx_hash, log_index and block of each scam move, by ref."""

    def __init__(self, refs: pl.DataFrame, first_block: int) -> None:
        self._rows = {row[0]: row[1:] for row in refs.iter_rows()}
        self._first_block = first_block

    def hash(self, ref: int) -> str:
        return self._rows[ref][0]

    def tx(self, ref: int) -> dict[str, object]:
        tx_hash, log_index, block, trace = self._rows[ref]
        found = {"tx_hash": tx_hash, "log_index": log_index, "block_number": block + self._first_block}
        if trace is not None:
            found["trace_address"] = str(trace)
        return found


def build_truth(
    config: SimulationConfig,
    book: AddressBook,
    cast: Cast,
    timeline: Timeline,
    scam: ScamWorld,
    refs: pl.DataFrame,
    deposits: DepositTable,
    reports: list[Report],
) -> dict[str, object]:
    """The whole ground truth as plain JSON values."""
    a = book.hex
    lookup = _Refs(refs, timeline.first_block)
    confounding = scam.confounding
    return {
        "config": config.as_json(),
        "confounders": confounding.params,
        "confounder_decoys": {name: sorted(a(d) for d in found) for name, found in confounding.decoys.items()},
        "other_scam": [{"address": a(o.address), "role": o.role} for o in scam.other_scam],
        "chain": "ethereum",
        "blocks": {
            "first": timeline.first_block,
            "last": timeline.first_block + timeline.n_blocks - 1,
            "genesis_timestamp": timeline.genesis,
        },
        "assets": _assets(book, cast, scam.exits),
        "exchanges": _exchanges(book, cast, deposits),
        "perpetrators": _perpetrators(book, scam),
        "clusters": [_cluster(book, cast, lookup, cluster) for cluster in scam.clusters],
        "victims": [
            {
                "address": a(victim.address),
                "cluster_id": _cluster_id(victim.cluster),
                "reported": victim.reported,
                "confounders": confounding.names(victim.address),
                "payments": [
                    {**lookup.tx(made(p.ref)), "asset": p.asset.name, "amount": p.amount, "to": a(p.collection)}
                    for p in victim.payments
                ],
                "profits_received": [
                    {**lookup.tx(made(p.ref)), "asset": "USDT", "amount": p.amount, "from": a(p.source)}
                    for p in victim.profits
                ],
            }
            for victim in scam.victims
        ],
        "scam_deposits": _scam_deposits(book, cast, lookup, scam),
        "services": _services(book, cast, scam),
        "mixer": a(cast.mixer) if cast.mixer is not None else None,
        "poisoning": [_poisoning(book, lookup, p) for p in scam.poisonings],
        "reports": [
            {
                "report_id": r.report_id,
                "expected": r.expected,
                "reason": r.reason,
                "tx_hash": r.tx_hash,
                "victim_address": r.victim_address.lower(),
            }
            for r in reports
        ],
        "funds_at_rest": _funds_at_rest(book, scam),
        "pools": _pools(book, lookup, scam.exits),
        "mixers": _mixers(book, lookup, scam.exits),
        "bridges": _bridges(book, lookup, scam.exits),
    }


def write_truth(path: Path, truth: dict[str, object]) -> None:
    """Sorted keys, indent 2, one trailing newline."""
    path.write_text(json.dumps(truth, sort_keys=True, indent=2) + "\n")


def _poisoning(book: AddressBook, lookup: _Refs, p: Poisoning) -> dict[str, object]:
    row = {
        "victim": book.hex(p.victim),
        "lookalike": book.hex(p.lookalike),
        "imitates": book.hex(p.imitates),
        "kind": p.kind,
        **{key: value for key, value in lookup.tx(made(p.ref)).items() if key != "block_number"},
    }
    if p.amount is not None:  # tiny USDT (poison_tiny), perhaps aimed at a collection
        row.update(target=row["victim"], victim=row["victim"] if p.at_victim else None, amount=p.amount)
    return row


def _cluster_id(index: int) -> str:
    return f"C{index + 1}"


def _assets(book: AddressBook, cast: Cast, exits: Exits | None) -> dict[str, object]:
    def token(asset: Asset) -> dict[str, object]:
        found = cast.token(asset)
        return {
            "address": book.hex(found.address),
            "decimals": found.decimals,
            "symbol": found.symbol,
            "name": found.name,
        }

    assets = {
        "usdt": token(Asset.USDT),
        "fake_usdt": token(Asset.FAKE_USDT),
        "spam_token": token(Asset.SPAM),
        "eth": {"address": None, "decimals": 18, "symbol": "ETH", "name": "Ether"},
    }
    weth = exits.pool.token() if exits is not None and exits.pool is not None else None
    if weth is not None:
        assets["weth"] = {"address": book.hex(weth.address), "decimals": 18, "symbol": "WETH", "name": weth.name}
    return assets


def _exchanges(book: AddressBook, cast: Cast, deposits: DepositTable) -> dict[str, object]:
    return {
        exchange.name: {
            "hot_wallets": [book.hex(wallet) for wallet in exchange.hot_wallets],
            "collector": book.hex(exchange.collector),
            "batch_sweeps": exchange.batch_sweeps,
            "deposit_addresses": sorted(book.hex(int(d)) for d in deposits.ids[deposits.exchange == exchange.index]),
        }
        for exchange in cast.exchanges
    }


def _perpetrators(book: AddressBook, scam: ScamWorld) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for cluster in scam.clusters:
        roles = [
            ("gas_feeder", [cluster.feeder]),
            ("payout", [cluster.payout]),
            ("consolidator", cluster.consolidators),
        ]
        roles += [
            ("collection", cluster.collections),
            ("peel_hop", [hop for chain in cluster.chains for hop in chain.hops]),
        ]
        rows += [
            {
                "address": book.hex(address),
                "role": role,
                "cluster_id": _cluster_id(cluster.index),
                "confounders": scam.confounding.names(address),
            }
            for role, addresses in roles
            for address in addresses
        ]
    return rows


def _peel(book: AddressBook, lookup: _Refs, peel: Peel) -> dict[str, object]:
    row = {
        "from": book.hex(peel.src),
        "to": book.hex(peel.dst),
        "to_kind": peel.kind,
        "amount": peel.amount,
        **lookup.tx(peel.ref),
    }
    if peel.asset == Asset.ETH:
        row["asset"] = "ETH"
    return row


def _chain(book: AddressBook, lookup: _Refs, chain: PeelPlan) -> dict[str, object]:
    return {
        "source": book.hex(chain.source),
        "launch": {"amount": chain.amount, **lookup.tx(made(chain.launch_ref))},
        "hops": [book.hex(hop) for hop in chain.hops],
        "peels": [_peel(book, lookup, peel) for peel in sorted(chain.peels, key=lambda p: p.hop)],
        "end": {"kind": chain.end_kind, **(_peel(book, lookup, chain.end) if chain.end else {})},
    }


def _cluster(book: AddressBook, cast: Cast, lookup: _Refs, cluster: Cluster) -> dict[str, object]:
    a = book.hex
    return {
        "cluster_id": _cluster_id(cluster.index),
        "gas_feeder": a(cluster.feeder),
        "payout": a(cluster.payout),
        "consolidators": [a(c) for c in cluster.consolidators],
        "collections": [a(c) for c in cluster.collections],
        "sweeps": [
            {"from": a(s.src), "to": a(s.dst), "amount": s.amount, **lookup.tx(made(s.ref))}
            for s in sorted(cluster.sweeps, key=lambda s: made(s.ref))
        ],
        "peel_chains": [_chain(book, lookup, chain) for chain in cluster.chains],
        "mules": [
            {
                "deposit_address": a(m.deposit),
                "exchange": cast.exchanges[m.exchange].name,
                "own_money_wallet": a(m.wallet) if m.wallet is not None else None,
            }
            for m in [*cluster.mules, *cluster.ether_mules]
        ],
        "gas_rental_funded": [a(c) for c in cluster.rental_funded],
    }


def _scam_deposits(book: AddressBook, cast: Cast, lookup: _Refs, scam: ScamWorld) -> list[dict[str, object]]:
    mules = {mule.deposit: mule for cluster in scam.clusters for mule in [*cluster.mules, *cluster.ether_mules]}
    usdt = book.hex(cast.token(Asset.USDT).address)
    slices: dict[int, list[Peel]] = {}
    for cluster in scam.clusters:
        for chain in cluster.chains:
            for peel in [*chain.peels, *([chain.end] if chain.end else [])]:
                if peel.kind == DEPOSIT:
                    slices.setdefault(peel.dst, []).append(peel)
    for victim in scam.victims:  # deposit_as_platform: victims paying a mule's deposit directly
        for payment in victim.payments:
            if payment.collection in mules:
                paid = Peel(-1, victim.address, payment.collection, DEPOSIT, payment.amount, made(payment.ref))
                slices.setdefault(payment.collection, []).append(paid)
    rows = []
    for deposit in sorted(slices):
        found = sorted(slices[deposit], key=lambda p: p.ref)
        victim_amount = sum(p.amount for p in found)
        asset = found[0].asset
        received = scam.ledger.balance(deposit, asset)
        touched = scam.confounding.names(deposit)
        name = NATIVE if asset == Asset.ETH else usdt
        rows.append(
            {
                "exchange": cast.exchanges[mules[deposit].exchange].name,
                "deposit_address": book.hex(deposit),
                "asset": name,
                "victim_amount": victim_amount,
                "total_received": received,
                "non_victim_amount": received - victim_amount,
                "tolerance": received - victim_amount if MULE_MIXING in touched else 0,
                "confounders": touched,
                "transfers": [
                    {"from": book.hex(p.src), "asset": name, "amount": p.amount, **lookup.tx(p.ref)} for p in found
                ],
            }
        )
    return sorted(rows, key=lambda row: (row["exchange"], row["deposit_address"]))


def _services(book: AddressBook, cast: Cast, scam: ScamWorld) -> list[dict[str, object]]:
    services: list[dict[str, object]] = []
    if cast.otc is not None:
        services.append({"address": book.hex(cast.otc), "kind": "otc_desk"})
    if cast.merchant is not None and cast.merchant_deposit is not None:  # both or neither
        services.append(
            {"address": book.hex(cast.merchant), "kind": "merchant", "deposit_address": book.hex(cast.merchant_deposit)}
        )
    if cast.rental is not None:
        funded = [book.hex(c) for cluster in scam.clusters for c in cluster.rental_funded]
        services.append({"address": book.hex(cast.rental), "kind": "gas_rental", "funded_perpetrators": funded})
    return services


def _funds_at_rest(book: AddressBook, scam: ScamWorld) -> list[dict[str, object]]:
    rows = []
    for cluster in scam.clusters:
        holders = [("collection", cluster.collections), ("consolidator", cluster.consolidators)]
        holders.append(("peel_hop", [hop for chain in cluster.chains for hop in chain.hops]))
        for role, addresses in holders:
            for address in addresses:
                amount = scam.ledger.balance(address, Asset.USDT)
                if amount > 0:
                    rows.append(
                        {
                            "address": book.hex(address),
                            "asset": "USDT",
                            "amount": amount,
                            "role": role,
                            "cluster_id": _cluster_id(cluster.index),
                        }
                    )
        for chain in cluster.chains:  # ether a chain still holds after its swap (no gas in it)
            if chain.swap is None:
                continue
            for hop in chain.hops[chain.hops.index(chain.swap.hop) + 1 :]:
                amount = scam.ledger.balance(hop, Asset.ETH)
                if amount > 0:
                    rows.append(
                        {
                            "address": book.hex(hop),
                            "asset": "ETH",
                            "amount": amount,
                            "role": "peel_hop",
                            "cluster_id": _cluster_id(cluster.index),
                        }
                    )
    return rows


def _pools(book: AddressBook, lookup: _Refs, exits: Exits | None) -> list[dict[str, object]]:
    if exits is None or exits.pool is None:
        return []
    pool = exits.pool
    out_asset = "ETH" if pool.weth is None else "WETH"

    def swap(s) -> dict[str, object]:
        row: dict[str, object] = {
            "hop": book.hex(s.hop),
            "usdt_in": {"amount": s.usdt, **lookup.tx(s.usdt_ref)},
            "out": {"asset": out_asset, "amount": s.out, **lookup.tx(s.out_ref)},
            "unwrap": None if s.unwrap_ref is None else {"asset": "ETH", "amount": s.out, **lookup.tx(s.unwrap_ref)},
        }
        return row

    return [
        {
            "address": book.hex(pool.address),
            "kind": "dex_pool",
            "tagged": False,
            "pair": ["USDT", out_asset],
            "usdt_per_eth": pool.usdt_per_eth,
            "liquidity_provider": book.hex(pool.provider),
            "weth": book.hex(pool.weth) if pool.weth is not None else None,
            "case_swaps": [swap(s) for s in sorted(pool.swaps, key=lambda s: s.usdt_ref)],
        }
    ]


def _mixers(book: AddressBook, lookup: _Refs, exits: Exits | None) -> list[dict[str, object]]:
    if exits is None or exits.mixer is None:
        return []
    mixer = exits.mixer
    notes = sorted(mixer.case_notes, key=lambda n: n.ref)
    return [
        {
            "address": book.hex(mixer.address),
            "tagged": mixer.tagged,
            "relayers": [book.hex(r) for r in mixer.relayers],
            "deposits": [
                {
                    "from": book.hex(n.depositor),
                    "amount": n.amount,
                    "withdrawn_to": book.hex(n.recipient) if n.recipient is not None else None,
                    **{k: v for k, v in lookup.tx(n.ref).items() if k != "log_index"},
                }
                for n in notes
            ],
            "victim_amount": sum(n.amount for n in notes),
        }
    ]


def _bridges(book: AddressBook, lookup: _Refs, exits: Exits | None) -> list[dict[str, object]]:
    if exits is None or exits.bridge is None:
        return []
    bridge = exits.bridge
    deposits = sorted(bridge.deposits, key=lambda d: d.ref)
    return [
        {
            "address": book.hex(bridge.address),
            "destination_chain": bridge.destination,
            "label": f"{bridge.destination} bridge",
            "deposits": [{"from": book.hex(d.depositor), "amount": d.amount, **lookup.tx(d.ref)} for d in deposits],
            "victim_amount": sum(d.amount for d in deposits),
        }
    ]
