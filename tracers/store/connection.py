"""Open the store and bring its schema up to date.

The schema lives in `sql/schema/NNN_<name>.sql`, applied in order once each; the versions applied are
recorded in `schema_migrations`, and the `tracers_store` marker says the file is a tracers store
(tracers/store/integrity.py: what is refused, and why). The SQL ships inside the package
(`tracers/sql` in a wheel) and is read from the checkout's `sql/` when running from source.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb

from tracers import __version__, settings
from tracers.errors import StoreError
from tracers.store import integrity
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
            _execute_watched(con, statement, used or None, functools.partial(on_progress, number, len(parts)))


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
    """Open (creating if needed) the store at `path` and apply pending schema migrations.

    Refuses, before writing anything, a file that is not a DuckDB database, a DuckDB database that
    is not a tracers store, and a store that is damaged or lacks tables or columns of its schema.
    """
    target = str(path)
    if not target.strip():
        raise StoreError("the store path is empty: give --db PATH or set TRACERS_DB")
    if target != ":memory:":
        integrity.check_file(Path(target))
        _make_folder(Path(target).parent)
    con = open_waiting(target, read_only)
    try:
        con.execute("SET TimeZone = 'UTC'")
        kind = integrity.refuse_foreign(con, target)
        if not read_only:
            _migrate(con, kind, target)
        _refuse_gaps(con, target)
    except duckdb.Error as exc:
        con.close()
        raise integrity.failure(target, exc) or exc from None
    except BaseException:
        con.close()
        raise
    return con


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the folder {folder} for the store ({exc.strerror}): give --db a "
                         "path in a folder you can write to") from None


def open_waiting(target: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open the file; while another process holds it (DuckDB allows one writer process), wait
    for it with backoff, up to TRACERS_DB_WAIT seconds (default 600): a trace and a monitoring
    pass started together take turns instead of failing."""
    deadline = time.monotonic() + settings.resolve("db_wait")
    delay = 0.05
    while True:
        try:
            return duckdb.connect(target, read_only=read_only, config=integrity.CONFIG)
        except duckdb.IOException as exc:
            held = "lock" in str(exc).lower()
            if held and time.monotonic() + delay <= deadline:
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            if held:
                raise StoreError(
                    f"cannot open the store {target}: {exc}. If another tracers process is using "
                    "it, wait for it to finish (or raise TRACERS_DB_WAIT, in seconds) or point "
                    "--db / TRACERS_DB at another file"
                ) from None
            raise _unopenable(target, exc) from None
        except duckdb.Error as exc:
            raise _unopenable(target, exc) from None


def _unopenable(target: str, exc: duckdb.Error) -> StoreError:
    return StoreError(
        f"cannot open the store {target} ({str(exc).splitlines()[0]}). Check that the path is a "
        f"tracers store you may read and write; if the file is damaged or cut off, "
        f"{integrity.recovery(target)}"
    )


def _refuse_gaps(con: duckdb.DuckDBPyConnection, target: str) -> None:
    """A table or column of the schema missing (dropped by hand, or a damaged file): every
    command would fail somewhere later, so none runs."""
    version = schema_version(con)
    expected = integrity.expected_schema(tuple(path for v, path in migrations() if v <= version))
    gaps = integrity.schema_gaps(con, expected)
    if gaps:
        raise StoreError(
            f"the store {target} is not whole: {'; '.join(gaps)} (changed outside tracers, or "
            f"damaged): {integrity.recovery(target)}"
        )


def _migrate(con: duckdb.DuckDBPyConnection, kind: str, target: str) -> None:
    """Apply the migrations not applied yet; a new store (or one from before the marker) gets the
    schema_migrations table and the tracers_store marker first."""
    if kind in ("new", "unmarked"):
        with transaction(con):
            con.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
            )
            con.execute(
                f"CREATE TABLE {integrity.MARKER} (created_by VARCHAR NOT NULL, marked_at TIMESTAMPTZ NOT NULL)"
            )
            note = "" if kind == "new" else ", marking a store made before the marker"
            con.execute(f"INSERT INTO {integrity.MARKER} VALUES (?, ?)",
                        [f"tracers {__version__}{note}", datetime.now(UTC)])
    try:
        applied = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    except duckdb.CatalogException:  # a marked store whose migration record was dropped
        raise StoreError(f"the store {target} is not whole: table schema_migrations is missing (changed "
                         f"outside tracers, or damaged): {integrity.recovery(target)}") from None
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
    """The newest migration applied (0 for a store not initialised yet)."""
    try:
        row = con.execute("SELECT max(version) FROM schema_migrations").fetchall()[0]
    except duckdb.CatalogException:  # no schema_migrations table: a new, empty database
        return 0
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
