"""Open the store and bring its schema up to date.

The schema lives in `sql/schema/NNN_<name>.sql`, applied in order once each; the versions applied are
recorded in `schema_migrations`. The SQL ships inside the package (`tracers/sql` in a wheel) and is
read from the checkout's `sql/` when running from source.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb

from tracers import settings
from tracers.errors import StoreError
from tracers.store.assets import ensure_builtin_assets

_MIGRATION = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def sql_dir() -> Path:
    """The `sql/` folder: inside the installed package, else the source checkout's."""
    packaged = resources.files("tracers") / "sql"
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "sql"
    if checkout.is_dir():
        return checkout
    raise StoreError("the sql/ folder is missing from this installation; reinstall tracers")


def read_sql(relative: str) -> str:
    return (sql_dir() / relative).read_text(encoding="utf-8")


def statements(script: str) -> list[str]:
    """The statements of a SQL file (split at a `;` that ends a line), comments kept."""
    parts = re.split(r";[ \t]*(?:--[^\n]*)?\n", script + "\n")
    return [p.strip() for p in parts if re.sub(r"--[^\n]*", "", p).strip()]


def run_script(
    con: duckdb.DuckDBPyConnection,
    script: str,
    params: dict | None = None,
    on_progress: Callable[[int, int, float], None] | None = None,
) -> None:
    """Run each statement of `script`, binding the `$name` parameters that statement uses.

    With `on_progress`, each statement runs on a worker thread while this one reports DuckDB's own
    progress estimate as `on_progress(statement_number, statements, percent)`.
    """
    parts = statements(script)
    for number, statement in enumerate(parts, start=1):
        code = re.sub(r"--[^\n]*", "", statement)
        used = {k: v for k, v in (params or {}).items() if re.search(rf"\${k}\b", code)}
        if on_progress is None:
            con.execute(statement, used or None)
        else:
            _execute_watched(con, statement, used or None, lambda pct: on_progress(number, len(parts), pct))


def _execute_watched(con, statement: str, params, report: Callable[[float], None]) -> None:
    failure: list[BaseException] = []

    def work() -> None:
        try:
            con.execute(statement, params)
        except BaseException as exc:  # re-raised on the calling thread
            failure.append(exc)

    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.2)
        percent = con.query_progress()
        if percent >= 0:
            report(percent)
    report(100.0)
    if failure:
        raise failure[0]


def migrations() -> list[tuple[int, Path]]:
    found = []
    for path in sorted((sql_dir() / "schema").iterdir()):
        match = _MIGRATION.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return found


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store at `path` and apply pending schema migrations."""
    target = str(path)
    if not target.strip():
        raise StoreError("the store path is empty: give --db PATH or set TRACERS_DB")
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    con = _open_waiting(target, read_only)
    con.execute("SET TimeZone = 'UTC'")
    if not read_only:
        _migrate(con)
    return con


def _open_waiting(target: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open the file; while another process holds it (DuckDB allows one writer process), wait
    for it with backoff, up to TRACERS_DB_WAIT seconds (default 600): a trace and a monitoring
    pass started together take turns instead of failing."""
    deadline = time.monotonic() + settings.resolve("db_wait")
    delay = 0.05
    while True:
        try:
            return duckdb.connect(target, read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() + delay > deadline:
                raise StoreError(
                    f"cannot open the store {target}: {exc}. If another tracers process is using "
                    "it, wait for it to finish (or raise TRACERS_DB_WAIT, in seconds) or point "
                    "--db / TRACERS_DB at another file"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    applied = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    for version, path in migrations():
        if version in applied:
            continue
        with transaction(con):
            con.execute(path.read_text(encoding="utf-8"))
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [version, path.stem, datetime.now(UTC)],
            )
    if len(applied) < len(migrations()):
        with transaction(con):
            ensure_builtin_assets(con)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT max(version) FROM schema_migrations").fetchall()[0]
    return int(row[0] or 0)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One unit of work: all of it lands, or none of it."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
