"""Bulk inserts from Python rows through Arrow (no row-by-row INSERTs); exact amounts travel as
text and become BIGNUM inside DuckDB."""

from __future__ import annotations

import duckdb
import pyarrow as pa


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[str],
    rows: list[tuple],
    casts: dict[str, str] | None = None,
) -> int:
    """Insert `rows` (tuples in `columns` order); `casts` maps a column to the SQL type its text
    value is cast to (e.g. {"amount": "BIGNUM"})."""
    if not rows:
        return 0
    casts = casts or {}
    arrays = {}
    for i, name in enumerate(columns):
        values = [row[i] for row in rows]
        if name in casts:
            values = [None if v is None else str(v) for v in values]
            arrays[name] = pa.array(values, type=pa.string())
        else:
            arrays[name] = pa.array(values)
    frame = pa.table(arrays)  # noqa: F841 (read by DuckDB's replacement scan below)
    select = ", ".join(f"CAST({c} AS {casts[c]})" if c in casts else c for c in columns)
    con.register("_bulk_rows", frame)
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM _bulk_rows")
    except duckdb.Error:
        raise  # the caller's transaction rolls back; the view goes with the connection
    con.unregister("_bulk_rows")
    return len(rows)
