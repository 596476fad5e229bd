"""Named read queries over the store. Amounts leave as exact decimal strings, never as numbers
that pass through a float or Arrow's decimal128."""

from __future__ import annotations

import duckdb

from tracers.amounts import format_units

_TRANSFERS_OF = """
SELECT t.block_time, t.block_number, t.tx_hash, t.kind, t.position, t.from_address, t.to_address,
       t.asset, a.symbol, a.decimals, CAST(t.amount AS VARCHAR) AS amount
FROM (
    SELECT * FROM transfers WHERE chain = $chain AND from_address = $address
    UNION
    SELECT * FROM transfers_to WHERE chain = $chain AND to_address = $address
) t
LEFT JOIN assets a ON a.chain = t.chain AND a.asset = t.asset
ORDER BY t.block_number, t.tx_index NULLS LAST, t.position
LIMIT $limit
"""


def transfers_of(
    con: duckdb.DuckDBPyConnection, chain: str, address: str, limit: int = 1000
) -> list[dict]:
    """Transfers into and out of `address` in chain order, amounts exact in base and token units."""
    rows = con.execute(_TRANSFERS_OF, {"chain": chain, "address": address, "limit": limit}).fetchall()
    result = []
    for time, block, tx, kind, position, sender, receiver, asset, symbol, decimals, amount in rows:
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
    rows = con.execute(
        "SELECT CAST(coalesce(sum(amount), CAST(0 AS BIGNUM)) AS VARCHAR) FROM transfers_to "
        "WHERE chain = ? AND to_address = ? AND asset = ?",
        [chain, address, asset],
    ).fetchall()
    return int(rows[0][0])
