"""What the store holds, for `tracers status`."""

from __future__ import annotations

import duckdb

from tracers.store.connection import schema_version


def store_summary(con: duckdb.DuckDBPyConnection) -> list[dict]:
    rows = [{"what": "schema version", "count": schema_version(con)}]
    for chain, kind, n in con.execute(
        "SELECT chain, kind, count(*) FROM transfers GROUP BY ALL ORDER BY ALL"
    ).fetchall():
        rows.append({"what": f"transfers {chain} {kind}", "count": n})
    for label, query in (
        ("blocks", "SELECT count(*) FROM blocks"),
        ("tags", "SELECT count(*) FROM tags"),
        ("tag files", "SELECT count(DISTINCT (tagpack, sha256)) FROM tags"),
        ("cases", "SELECT count(*) FROM cases"),
        ("reports accepted", "SELECT count(*) FROM reports WHERE status = 'accepted'"),
        ("reports refused", "SELECT count(*) FROM reports WHERE status = 'refused'"),
        ("seeds", "SELECT count(*) FROM seeds"),
    ):
        rows.append({"what": label, "count": con.execute(query).fetchall()[0][0]})
    return rows
