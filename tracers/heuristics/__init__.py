"""The rules that say what an address is, one module per rule, each running its SQL in
sql/heuristics/<name>.sql with bound parameters and returning evidence (never a verdict alone):

- tagged:          what public tags say (exchange hot wallets, services, tagged deposit addresses)
- deposit_address: Victor 2020 exchange deposit addresses (forwards to one exchange's hot wallets)
- mixer:           untagged mixers by their shape (fixed notes in, relayed internal payouts)
- case_share:      whose money an address moves: the case's, or mostly others' (services)
- conversion:      victim money that changed asset in one transaction (swaps, WETH wraps)
- fan_in:          consolidators and the collection addresses that sweep into them
- profit_payer:    the payout address that pays victims fake "profits" after they paid
- gas_feeder:      the address that pays the cluster's gas, and what else it funded
- victims:         payments into collection addresses from outside the cluster
- peel_chain:      peel chains among the addresses the money went through
- roles:           one role per address, decided by ranked evidence; conflicts become review items

Decisions are made from what the money did (whose money an address moves, where it came from,
where it went), never from a degree threshold alone. Each rule is tested on tiny hand-built graphs
(tests/test_heuristics.py): a positive, a negative, and the confounder that would fool it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import duckdb

from tracers.store.connection import read_sql


@dataclass(frozen=True)
class Endpoint:
    """Where tracing stops, and why."""

    role: str  # exchange | service | deposit_wallet | victim | unknown
    subrole: str | None
    rule: str
    exchange: str | None = None
    label: str | None = None
    related: str | None = None
    tx_hashes: tuple[str, ...] = ()
    detail: str = ""
    params: str = "{}"
    confidence: int = 100


@dataclass
class ClusterLink:
    """Why an address belongs to the scam cluster."""

    address: str
    subrole: str  # collection | consolidator | gas_feeder | payout | co_funded
    rule: str
    related: str | None
    tx_hashes: tuple[str, ...]
    detail: str
    confidence: int
    params: dict = field(default_factory=dict)


def with_table(con: duckdb.DuckDBPyConnection, name: str, addresses) -> None:
    """(Re)fill a one-column temp table of addresses for the rules' semi-joins."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} (address VARCHAR PRIMARY KEY)")
    values = sorted(set(addresses))
    if values:
        con.execute(f"INSERT INTO {name} SELECT unnest($values)", {"values": values})


def run_rule(con: duckdb.DuckDBPyConnection, rule: str, chain: str, rule_params: dict) -> list[tuple]:
    """Run sql/heuristics/<rule>.sql with the chain and the rule's parameters bound."""
    return con.execute(read_sql(f"heuristics/{rule}.sql"), {"chain": chain, **rule_params}).fetchall()


def as_json(rule_params: dict) -> str:
    return json.dumps(rule_params, sort_keys=True)
