"""The one writer of fetched chain data: a fetch lands whole with its checkpoint, or not at all.

Rows already stored (same chain, tx, kind, position) are left as they are, so fetching the same
range twice, or a range that overlaps an etl import, leaves the same rows.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from tracers.domain import FetchResult
from tracers.store.bulk import insert_rows
from tracers.store.connection import read_sql, run_script, transaction
from tracers.store.queries import execute

_STAGE = "_fetched_transfers"  # the name sql/import/fetched_write.sql reads
_COLUMNS = ["chain", "asset", "kind", "tx_hash", "position", "block_number", "tx_index",
            "block_time", "from_address", "to_address", "amount", "source"]


def write_fetch(con: duckdb.DuckDBPyConnection, result: FetchResult) -> int:
    """Store a fetch and move the address's checkpoint; returns the transfers added."""
    rows = sorted({
        (t.chain, t.asset, t.kind, t.tx_hash, t.position, t.block_number, t.tx_index, t.block_time,
         t.from_address, t.to_address, str(t.amount), result.source)
        for t in result.transfers
    }, key=lambda r: (r[5], r[3], r[2], r[4]))
    now = datetime.now(UTC)
    with transaction(con):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_STAGE} AS SELECT * FROM transfers LIMIT 0")
        insert_rows(con, _STAGE, _COLUMNS, rows, {"amount": "BIGNUM"})
        run_script(con, read_sql("import/fetched_write.sql"))
        added = con.execute(f"SELECT count(*) FROM {_STAGE}_new").fetchall()[0][0]
        con.execute(f"DROP TABLE {_STAGE}_new")
        for failed in result.failed:
            con.execute(
                "INSERT INTO transactions VALUES (?, ?, ?, NULL, ?, ?, 0) ON CONFLICT DO NOTHING",
                [failed.chain, failed.tx_hash, failed.block_number, failed.from_address, failed.to_address],
            )
        for token in result.tokens:
            con.execute(
                "INSERT INTO assets VALUES (?, ?, ?, ?, ?, NULL, ?) ON CONFLICT DO NOTHING",
                [token.chain, token.address, token.symbol, token.name, token.decimals, result.source],
            )
        execute(con, "import/fetch_checkpoint", {
            "chain": result.chain, "address": result.address, "source": result.source,
            "through_block": result.through_block, "updated_at": now,
        })
        con.execute(
            "INSERT INTO fetch_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [result.chain, result.address, result.source, result.from_block, result.through_block,
             result.requests, len(rows), now],
        )
        con.execute(f"DROP TABLE {_STAGE}")
    return int(added)


def checkpoint(con: duckdb.DuckDBPyConnection, chain: str, address: str, source: str) -> int | None:
    """The last block fetched for the address from the source, or None when never fetched."""
    rows = con.execute(
        "SELECT through_block FROM fetch_checkpoints WHERE chain = ? AND address = ? AND source = ?",
        [chain, address, source],
    ).fetchall()
    return int(rows[0][0]) if rows else None
