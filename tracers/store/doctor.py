"""`tracers doctor`: is the store whole, and if not, how to get it back.

It opens the store read-only (it never writes, never migrates) and checks, in order: the file is a
DuckDB database, the database is a tracers store, its schema version, every table and column of that
version, every block of every table reads back (DuckDB verifies each block's checksum as it reads),
and `transfers_to` holds as many rows as `transfers` (each transfer is written to both, in one
transaction). A check that cannot run because an earlier one failed is left out.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from tracers.errors import StoreError
from tracers.store import integrity
from tracers.store.connection import migrations, open_waiting, schema_version

COLUMNS = ["check", "result", "detail", "fix"]


def diagnose(path: Path) -> list[dict]:
    """One row per check: check, result ('ok' or 'PROBLEM'), detail, fix."""
    if not path.is_file():
        return [_problem("file", f"no store at {path}", "give --db (or TRACERS_DB) the path of your store")]
    try:
        integrity.check_file(path)
        con = open_waiting(str(path), read_only=True)
    except StoreError as exc:
        return [_problem("file", str(exc), "give --db (or TRACERS_DB) the path of your store; if this file "
                         "was your store, restore it from your backup copy")]
    try:
        return [_ok("file", f"a DuckDB database of {path.stat().st_size:,} bytes"), *_examine(con, path)]
    finally:
        con.close()


def verdict(path: Path, rows: list[dict]) -> None:
    """Raise the error that makes `doctor` exit 1 when a check failed."""
    failed = [row["check"] for row in rows if row["result"] != "ok"]
    if failed:
        raise StoreError(f"the store {path} failed {len(failed)} check(s) ({', '.join(failed)}): see the fix "
                         "column above")


def _examine(con: duckdb.DuckDBPyConnection, path: Path) -> list[dict]:
    kind = integrity.store_kind(con)
    if kind == "foreign":
        return [_problem("tracers store", "a DuckDB database without the tracers_store marker: another "
                         "program's database", "give --db the path of a tracers store")]
    if kind == "new":
        return [_problem("tracers store", "an empty DuckDB database", "any tracers command that writes "
                         f"(tracers --db {path} status) makes it a tracers store")]
    rows = [_ok("tracers store", "marked" if kind == "tracers" else
                "made before the marker; the next tracers command that writes marks it")]
    version_row, version = _version(con, path)
    rows.append(version_row)
    expected = integrity.expected_schema(tuple(p for v, p in migrations() if v <= version))
    gaps = integrity.schema_gaps(con, expected, with_types=True)
    rows.append(_problem("tables", "; ".join(gaps), integrity.recovery(path)) if gaps else
                _ok("tables", f"all {len(expected)} tables of schema version {version}, with their columns"))
    rows.append(_read_back(con, path, sorted(integrity.tables(con))))
    if not gaps and {"transfers", "transfers_to"} <= expected.keys():
        rows.append(_mirror(con, path))
    return rows


def _version(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[dict, int]:
    latest = migrations()[-1][0]
    version = schema_version(con)
    if version == 0:
        return _problem("schema version", "no migration recorded (table schema_migrations is missing or "
                        "empty)", integrity.recovery(path)), latest
    if version == latest:
        return _ok("schema version", f"{version}, the newest this tracers knows"), version
    if version < latest:
        return _problem("schema version", f"{version}; this tracers brings stores to {latest}",
                        f"run `tracers --db {path} status` once: it applies the newer migrations"), version
    return _problem("schema version", f"{version}, made by a newer tracers (this one knows {latest})",
                    "upgrade tracers (pip install -U tracers)"), latest


def _read_back(con: duckdb.DuckDBPyConnection, path: Path, names: list[str]) -> dict:
    """Read every value of every table: a block whose checksum fails raises here."""
    rows = 0
    for name in names:
        try:
            read = con.execute(f'SELECT count(*), max(hash(COLUMNS(*))) FROM "{name}"').fetchall()[0]
        except duckdb.Error as exc:
            return _problem("blocks read back", f"table {name}: {str(exc).splitlines()[0]}",
                            integrity.recovery(path))
        rows += read[0]
    return _ok("blocks read back", f"every value of {len(names)} tables ({rows:,} rows) read back")


def _mirror(con: duckdb.DuckDBPyConnection, path: Path) -> dict:
    sender, receiver = (con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                        for t in ("transfers", "transfers_to"))
    if sender == receiver:
        return _ok("transfers_to mirrors transfers", f"{sender:,} rows in each")
    return _problem("transfers_to mirrors transfers", f"transfers has {sender:,} rows, transfers_to {receiver:,} "
                    "(every transfer is written to both in one transaction: the file was changed outside "
                    "tracers)", integrity.recovery(path))


def _ok(check: str, detail: str) -> dict:
    return {"check": check, "result": "ok", "detail": detail, "fix": ""}


def _problem(check: str, detail: str, fix: str) -> dict:
    return {"check": check, "result": "PROBLEM", "detail": detail, "fix": fix}
