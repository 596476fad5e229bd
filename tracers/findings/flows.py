"""Victim money as it moved in a trace run: between addresses (the money-flow graph's edges) and as
victims paid it in (the timeline)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from tracers.store.queries import rows


@dataclass(frozen=True)
class Move:
    """Victim money of one asset from one address to another, summed over transfers."""

    chain: str
    asset: str
    source: str
    target: str
    amount: int  # base units, traced (victim-attributed)
    transfers: int


@dataclass(frozen=True)
class Payment:
    """One payment a victim made into the scam (hop-1 victim money)."""

    chain: str
    asset: str
    block_time: datetime
    amount: int  # base units, traced


def victim_money_moves(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[Move, ...]:
    """Every (chain, asset, from, to) that carried victim money, summed, in (chain, asset, from, to) order."""
    return tuple(
        Move(chain, asset, source, target, int(amount), transfers)
        for chain, asset, source, target, amount, transfers
        in rows(con, "queries/victim_money_moves", {"run_id": run_id})
    )


def victim_payments(con: duckdb.DuckDBPyConnection, run_id: str) -> list[Payment]:
    """Every payment victims made into the scam in the run (no order promised)."""
    return [Payment(chain, asset, when, int(base))
            for chain, asset, when, base in rows(con, "queries/victim_payments", {"run_id": run_id})]
