"""Is this file a tracers store, and a whole one? Checked when the store opens (tracers/store/
connection.py) and in full by `tracers doctor` (tracers/store/doctor.py).

A tracers store is a DuckDB file (the bytes "DUCK" at offset 8) holding the `tracers_store` marker
table, written when tracers creates the store; stores made before the marker existed are known by
their `schema_migrations` rows and get the marker when they next open. Anything else is refused
before a byte is written: tracers never adds its tables to another program's database.
"""

from __future__ import annotations

import functools
from pathlib import Path

import duckdb

from tracers.errors import StoreError

MARKER = "tracers_store"
DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file
# DuckDB may otherwise fetch an extension from the network to read a file it does not know
# (SQLite: sqlite_scanner); the store only ever needs what ships in the wheel.
CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False, "autoload_known_extensions": False
}


def recovery(path: Path | str) -> str:
    """How to get a whole store back, for every message about a damaged one."""
    return (
        f"restore {path} from your backup copy; without one, move it away (mv {path} {path}.damaged) "
        "and import the data again into a new store (tracers import etl, tags import, reports import, "
        "then trace the cases again)"
    )


def check_file(path: Path) -> None:
    """Refuse, before DuckDB opens it, a path that holds no DuckDB database. A missing file is fine
    (tracers creates the store)."""
    if not path.exists():
        return
    if path.is_dir():
        raise StoreError(f"{path} is a folder: give --db the store's file, such as {path / 'tracers.duckdb'}")
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise StoreError(f"cannot read the store {path}: {exc.strerror}; check the file's permissions") from None
    if not head:
        raise StoreError(
            f"the store {path} is empty (0 bytes): a store cut off by a full disk or a failed copy? "
            f"Then {recovery(path)}. To start a new store at this path, delete the empty file first"
        )
    if len(head) < 12:  # the magic ends at byte 12
        raise StoreError(f"{path} is {len(head)} bytes, too short to be a DuckDB database: if it was a tracers "
                         f"store, {recovery(path)}")
    if head[8:12] != DUCKDB_MAGIC:
        what = "a SQLite database" if head.startswith(b"SQLite format 3") else "not a DuckDB database"
        raise StoreError(
            f"{path} is {what}, not a tracers store; tracers leaves it untouched. Give --db (or TRACERS_DB) "
            "the path of a tracers store, or a new path to create one"
        )


def tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The tables and views of the open database file (temporary ones aside)."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "UNION SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal"
    ).fetchall()
    return {name for (name,) in rows}


def store_kind(con: duckdb.DuckDBPyConnection) -> str:
    """'new' (no tables yet), 'tracers' (marked), 'unmarked' (a tracers store from before the
    marker) or 'foreign' (another program's database)."""
    present = tables(con)
    if not present:
        return "new"
    if MARKER in present:
        return "tracers"
    if "schema_migrations" in present:
        try:
            first = con.execute("SELECT name FROM schema_migrations WHERE version = 1").fetchall()
        except duckdb.Error:  # another tool's schema_migrations (Rails, Flyway) has other columns
            first = []
        if first == [("001_core",)]:
            return "unmarked"
    return "foreign"


def refuse_foreign(con: duckdb.DuckDBPyConnection, path: Path | str) -> str:
    """The store's kind (see store_kind); a StoreError for another program's database."""
    kind = store_kind(con)
    if kind == "foreign":
        present = sorted(tables(con))
        shown = ", ".join(present[:5]) + (", ..." if len(present) > 5 else "")
        raise StoreError(
            f"{path} is a DuckDB database but not a tracers store (it holds {shown} and no {MARKER} "
            "table); tracers writes nothing into it. Give --db (or TRACERS_DB) the path of a tracers "
            "store, or a new path to create one"
        )
    return kind


@functools.cache
def expected_schema(migration_files: tuple[Path, ...]) -> dict[str, dict[str, str]]:
    """{table: {column: type}} of the schema these migration files build (applied to an empty
    in-memory database once per process)."""
    con = duckdb.connect(":memory:", config=CONFIG)
    try:
        for path in migration_files:
            con.execute(path.read_text(encoding="utf-8"))
        return columns(con)
    finally:
        con.close()


def columns(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() ORDER BY table_name, column_index"
    ).fetchall()
    found: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        found.setdefault(table, {})[column] = kind
    return found


def schema_gaps(con: duckdb.DuckDBPyConnection, expected: dict[str, dict[str, str]],
                with_types: bool = False) -> list[str]:
    """What the store lacks of the expected schema: missing tables, missing columns and (with
    `with_types`) columns of another type. Empty: the schema is whole."""
    present = columns(con)
    gaps = []
    for table, wanted in expected.items():
        have = present.get(table)
        if have is None:
            gaps.append(f"table {table} is missing")
            continue
        lacking = [c for c in wanted if c not in have]
        if lacking:
            gaps.append(f"table {table} lacks column(s) {', '.join(lacking)}")
        if with_types:
            gaps += [f"column {table}.{c} is {have[c]}, tracers expects {t}"
                     for c, t in wanted.items() if c in have and have[c] != t]
    return gaps


def failure(path: Path | str, exc: duckdb.Error) -> StoreError | None:
    """The StoreError for a DuckDB error that means the file could not be read or written
    (a corrupt block, a cut-off file, an I/O failure); None for any other error. DuckDB raises a
    bare `duckdb.Error` for a block whose checksum does not match."""
    if type(exc) is duckdb.Error or isinstance(
        exc, duckdb.IOException | duckdb.InternalException | duckdb.FatalException
    ):
        reason = str(exc).splitlines()[0]
        return StoreError(
            f"the store {path} could not be read or written ({reason}). If the disk is full or the file "
            f"was moved, fix that and run the command again; if the file is damaged (check with "
            f"`tracers --db {path} doctor`), {recovery(path)}"
        )
    return None
