"""Import ethereum-etl exports (and BigQuery `crypto_ethereum` extracts) into the store.

A folder holds `blocks`, `transactions`, `token_transfers` and optionally `receipts`, `tokens` and
`traces`, each as `.csv`, `.csv.gz` or `.parquet` (ethereum-etl column names; other columns and files
are ignored). Every column is read as text, so no value passes through a float or a 64-bit integer,
then typed in SQL (`sql/import/etl_*.sql`): native-ether transfers are transactions with value > 0
whose receipt did not fail; token transfers are the ERC-20 `Transfer` rows; internal ether
transfers are the successful value-carrying calls, creations and self-destructs inside a
transaction (`export_traces`), at the position a live source gives the same call
(`trace_position`), so the two never double a transfer. All of one folder lands in one
transaction, or nothing does.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from tracers.chains import chain as get_chain
from tracers.errors import ImportFileError
from tracers.sources.explorer import trace_position
from tracers.store import transaction
from tracers.store.connection import read_sql, run_script

Progress = Callable[[str, float | None], None]  # (stage, percent done or None when unknown)

# logical table -> (required columns, optional columns)
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "blocks": (("number", "timestamp"), ("hash",)),
    "transactions": (
        ("hash", "block_number", "from_address", "to_address", "value"),
        ("transaction_index", "block_timestamp", "receipt_status", "receipt_contract_address"),
    ),
    "token_transfers": (
        ("token_address", "from_address", "to_address", "value", "transaction_hash", "log_index",
         "block_number"),
        ("block_timestamp",),
    ),
    "receipts": (("transaction_hash", "status"), ("contract_address",)),
    "traces": (
        ("transaction_hash", "block_number", "from_address", "to_address", "value", "trace_type",
         "trace_address", "status"),
        ("transaction_index", "call_type", "error"),
    ),
    "tokens": (("address", "symbol", "decimals"), ("name",)),
}
NEEDED = ("transactions", "token_transfers")
SUFFIXES = (".csv", ".csv.gz", ".parquet")


@dataclass(frozen=True)
class EtlResult:
    folder: Path
    files: dict[str, Path]
    transfers_added: int
    transfers_seen: int
    blocks_added: int
    tokens_known: int


def find_files(folder: Path) -> dict[str, Path]:
    """The export files in `folder`, by logical table; errors when there is nothing to import."""
    if not folder.is_dir():
        raise ImportFileError(f"{folder} is not a folder; give the folder ethereum-etl wrote into")
    found: dict[str, Path] = {}
    for table in TABLES:
        candidates = [folder / f"{table}{suffix}" for suffix in SUFFIXES]
        present = [c for c in candidates if c.is_file()]
        if len(present) > 1:
            names = ", ".join(p.name for p in present)
            raise ImportFileError(f"{folder} has {names}: keep one file per table")
        if present:
            found[table] = present[0]
    if not any(t in found for t in NEEDED):
        raise ImportFileError(
            f"{folder} has no transactions.csv or token_transfers.csv (nor .csv.gz/.parquet); "
            "export with `ethereumetl export_all` or BigQuery's crypto_ethereum tables"
        )
    return found


def _csv_header(path: Path) -> list[str]:
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            return next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc})") from None


def _reader(path: Path, header: list[str]) -> str:
    """A reader that takes every column as text; CSV in ethereum-etl's dialect, no sniffing."""
    quoted = str(path).replace("'", "''")
    if path.name.endswith(".parquet"):
        return f"read_parquet('{quoted}')"
    columns = ", ".join("'{}': 'VARCHAR'".format(c.replace("'", "''")) for c in header)
    return (
        f"read_csv('{quoted}', header=true, auto_detect=false, delim=',', quote='\"', "
        f"escape='\"', columns={{{columns}}})"
    )


def _open_view(con: duckdb.DuckDBPyConnection, table: str, path: Path | None) -> None:
    required, optional = TABLES[table]
    if path is None:
        columns = ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in required + optional)
        con.execute(f"CREATE OR REPLACE TEMP VIEW raw_{table} AS SELECT {columns} WHERE false")
        return
    header = [] if path.name.endswith(".parquet") else _csv_header(path)
    try:
        present = {
            d[0] for d in con.execute(f"SELECT * FROM {_reader(path, header)} LIMIT 0").description
        }
    except duckdb.Error as exc:
        raise ImportFileError(f"{path}: cannot be read ({str(exc).splitlines()[0]})") from None
    missing = [c for c in required if c not in present]
    if missing:
        raise ImportFileError(
            f"{path}: missing column(s) {', '.join(missing)}; "
            f"ethereum-etl's {table} export has them (found: {', '.join(sorted(present))})"
        )
    columns = ", ".join(
        f'CAST("{c}" AS VARCHAR) AS "{c}"' if c in present else f'CAST(NULL AS VARCHAR) AS "{c}"'
        for c in required + optional
    )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW raw_{table} AS SELECT {columns} FROM {_reader(path, header)}"
    )


def import_etl(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    chain_name: str = "ethereum",
    progress: Progress | None = None,
) -> EtlResult:
    """Import one ethereum-etl folder; idempotent (rows already stored are left as they are)."""
    step = progress or (lambda _stage, _percent=None: None)
    chain = get_chain(chain_name)
    if chain.family != "evm":
        raise ImportFileError(
            f"ethereum-etl exports hold EVM chains; {chain.name} is not one (use --chain ethereum)"
        )
    folder = folder.resolve()
    files = find_files(folder)
    source = f"etl:{folder.name}"
    params = {"chain": chain.name, "source": source}

    step("reading files", None)
    run_script(con, read_sql("import/etl_normalize.sql"))
    _register_trace_position(con)
    for table in TABLES:
        _open_view(con, table, files.get(table))
    try:
        run_script(
            con, read_sql("import/etl_stage.sql"), params,
            on_progress=lambda i, n, pct: step(f"reading and typing rows ({i}/{n})", pct),
        )
    except duckdb.Error as exc:
        raise ImportFileError(f"{folder}: {str(exc).splitlines()[0]}") from None
    problems = con.execute(read_sql("import/etl_checks.sql")).fetchall()
    if problems:
        lines = [
            f"{file}: {rows} row(s) with bad {field}, e.g. {example}: {fix}"
            for file, field, rows, example, fix in problems
        ]
        raise ImportFileError(f"{folder}: nothing imported:\n  " + "\n  ".join(lines))

    if _count(con, read_sql("import/etl_duplicates.sql")):
        step("dropping rows repeated in the files", None)
        run_script(con, read_sql("import/etl_dedupe.sql"))
    step("writing to the store", None)
    before = _count(con, "SELECT count(*) FROM transfers WHERE chain = $chain", chain.name)
    blocks_before = _count(con, "SELECT count(*) FROM blocks WHERE chain = $chain", chain.name)
    seen = _count(
        con,
        "SELECT (SELECT count(*) FROM stage_token_transfers) + "
        "(SELECT count(*) FROM stage_transactions WHERE NOT failed) + (SELECT count(*) FROM stage_traces)",
    )
    with transaction(con):
        run_script(
            con, read_sql("import/etl_write.sql"), params,
            on_progress=lambda i, n, pct: step(f"writing to the store ({i}/{n})", pct),
        )
        tokens = _write_tokens(con, chain.name, files.get("tokens"))
        con.execute(
            "INSERT OR REPLACE INTO imports VALUES (?, 'etl', ?, ?)",
            [
                f"etl:{chain.name}:{folder}",
                json.dumps({"files": {k: str(v) for k, v in sorted(files.items())}}),
                datetime.now(UTC),
            ],
        )
    after = _count(con, "SELECT count(*) FROM transfers WHERE chain = $chain", chain.name)
    blocks_after = _count(con, "SELECT count(*) FROM blocks WHERE chain = $chain", chain.name)
    con.execute("DROP VIEW IF EXISTS stage_transfers")
    for table in ("stage_transfers_unique", "stage_blocks", "stage_failed", "stage_transactions", "stage_token_transfers",
                  "stage_traces", "stage_block_times"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return EtlResult(folder, files, after - before, seen, blocks_after - blocks_before, tokens)


def _register_trace_position(con: duckdb.DuckDBPyConnection) -> None:
    """SQL `etl_trace_position('0,1,1')`: the store position of the call at that trace address,
    the same number the live sources give it (NULL for a malformed address, for the checks)."""
    try:
        con.remove_function("etl_trace_position")  # registered on this connection by an earlier import
    except (duckdb.InvalidInputException, duckdb.CatalogException):
        pass
    con.create_function("etl_trace_position", _trace_position_of_text, ["VARCHAR"], "INTEGER",
                        null_handling="special")


def _trace_position_of_text(text: str | None) -> int | None:
    parts = (text or "").replace(" ", "").split(",")
    if not all(p.isdigit() for p in parts):
        return None
    return trace_position([int(p) for p in parts])


def _write_tokens(con: duckdb.DuckDBPyConnection, chain_name: str, path: Path | None) -> int:
    """Token metadata from tokens.csv; what the store knows already (built-in tokens) wins."""
    if path is None:
        return 0
    con.execute(
        """
        INSERT INTO assets
        SELECT $chain, lower(trim(address)), any_value(symbol), any_value(name),
               any_value(try_cast(trim(decimals) AS INTEGER)), NULL, 'tokens:' || $file
        FROM raw_tokens
        WHERE address IS NOT NULL
        GROUP BY lower(trim(address))
        ON CONFLICT DO NOTHING
        """,
        {"chain": chain_name, "file": path.name},
    )
    return _count(con, "SELECT count(*) FROM raw_tokens")


def _count(con: duckdb.DuckDBPyConnection, query: str, chain_name: str | None = None) -> int:
    params = {"chain": chain_name} if chain_name is not None else {}
    return int(con.execute(query, params).fetchall()[0][0])
