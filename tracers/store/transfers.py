"""Stored transfers of one address, read by `tracers transfers`. Amounts leave as exact decimal
strings, never as numbers that pass through a float or Arrow's decimal128."""

from __future__ import annotations

import duckdb

from tracers.amounts import format_units
from tracers.store.queries import rows


def transfers_of(
    con: duckdb.DuckDBPyConnection, chain: str, address: str, limit: int = 1000
) -> list[dict]:
    """Transfers into and out of `address` in chain order, amounts exact in base and token units."""
    found = rows(con, "queries/transfers_of", {"chain": chain, "address": address, "limit": limit})
    result = []
    for time, block, tx, kind, position, sender, receiver, asset, symbol, decimals, amount in found:
        result.append({
            "block_time": time.isoformat(),
            "block_number": block,
            "tx_hash": tx,
            "kind": kind,
            "position": position,
            "direction": "out" if sender == address else "in",
            "from_address": sender,
            "to_address": receiver,
            "asset": asset,
            "symbol": symbol or "",
            "amount": amount,
            "amount_units": format_units(int(amount), decimals) if decimals is not None else "",
        })
    return result


def sum_received(con: duckdb.DuckDBPyConnection, chain: str, address: str, asset: str) -> int:
    """Exact total of `asset` received by `address` (BIGNUM sum, read back as text)."""
    found = rows(con, "queries/sum_received", {"chain": chain, "address": address, "asset": asset})
    return int(found[0][0])
