"""Assets the store knows without being told: each chain's native coin and the well-known tokens."""

from __future__ import annotations

import duckdb

from tracers.chains import CHAINS, KNOWN_TOKENS, native_asset


def ensure_builtin_assets(con: duckdb.DuckDBPyConnection) -> None:
    rows = [native_asset(name) for name in CHAINS] + list(KNOWN_TOKENS)
    for a in rows:
        con.execute(
            "INSERT INTO assets VALUES (?, ?, ?, ?, ?, ?, 'builtin') "
            "ON CONFLICT DO UPDATE SET symbol = excluded.symbol, decimals = excluded.decimals, "
            "issuer = excluded.issuer, source = 'builtin'",
            [a.chain, a.address, a.symbol, a.symbol, a.decimals, a.issuer],
        )


def decimals_of(con: duckdb.DuckDBPyConnection, chain: str, asset: str) -> int | None:
    rows = con.execute(
        "SELECT decimals FROM assets WHERE chain = ? AND asset = ?", [chain, asset]
    ).fetchall()
    return rows[0][0] if rows else None
