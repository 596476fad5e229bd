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

Every row of every file is checked on the columns tracers reads, before anything is written:
addresses are 0x and 40 hex digits, hashes 0x and 64, amounts whole numbers below 2^256 in ASCII
digits, block numbers and indexes plain digits, block times Unix seconds (or ISO times) between
2015-07-30 and tomorrow. One malformed row stops the import with its file, line and column; so do
a block given two different times and a transfer given twice with different contents.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from duckdb.func import FunctionNullHandling

from tracers.chains import chain as get_chain
from tracers.errors import ImportFileError
from tracers.sources.explorer import trace_position
from tracers.store import transaction
from tracers.store.connection import read_sql, run_script
from tracers.store.queries import execute, rows

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

# What a malformed cell must hold, by the problem kind sql/import/etl_stage.sql gives it.
EXPECTED = {
    "address": "an address (0x and 40 hex digits)",
    "hash": "a hash (0x and 64 hex digits)",
    "integer": "a whole number (ASCII digits only)",
    "amount": "a whole number of base units below 2^256 (ASCII digits only)",
    "time": "a Unix time in seconds (or an ISO time) between 2015-07-30 and tomorrow",
    "status": "0 or 1",
    "trace_address": "call indexes joined by commas, such as 0,1,1 (empty for the transaction's own call)",
}
FIX = "fix or remove these rows (or export the blocks again with ethereum-etl) and import again"
_UNREADABLE = (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error)


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


def _open_text(path: Path):
    """The CSV file as text, through gzip for `.csv.gz` (a byte-order mark is skipped)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    return opener(path, "rt", encoding="utf-8-sig", newline="")


def _csv_header(path: Path) -> list[str]:
    """The column names: the first line alone (up to 1 MiB), so that a bad byte further down is
    left for DuckDB to name with its line."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            first = handle.readline(1 << 20).decode("utf-8-sig")
        return next(csv.reader([first]), [])
    except _UNREADABLE as exc:
        raise ImportFileError(
            f"{path}: cannot be read ({exc or type(exc).__name__}): a damaged or cut-off file? "
            "Copy or export it again; nothing was imported"
        ) from None


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
    step: Progress = progress or (lambda _stage, _percent: None)
    chain = get_chain(chain_name)
    if chain.family != "evm":
        raise ImportFileError(
            f"ethereum-etl exports hold EVM chains; {chain.name} is not one (use --chain ethereum)"
        )
    folder = folder.resolve()
    files = find_files(folder)
    source = f"etl:{folder.name}"
    params = {"chain": chain.name, "source": source}

    try:
        _stage(con, folder, files, params, step)
        return _write(con, folder, files, chain.name, params, step)
    finally:
        with contextlib.suppress(duckdb.Error):  # a broken connection must not hide why the import stopped
            _drop_stage(con)


def _stage(con: duckdb.DuckDBPyConnection, folder: Path, files: dict[str, Path], params: dict,
           step: Progress) -> None:
    """The files read once into typed staging tables, every row checked; refused when any is not
    whole (nothing is written then)."""
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
        raise _unreadable(folder, files, exc) from None
    _refuse_problems(con, folder, files)

    if _count(con, "import/etl_duplicates"):
        _refuse_conflicting_repeats(con, folder)
        step("dropping rows repeated in the files", None)
        run_script(con, read_sql("import/etl_dedupe.sql"))
    _refuse_disagreeing_with_the_store(con, folder, params["chain"])


def _write(con: duckdb.DuckDBPyConnection, folder: Path, files: dict[str, Path], chain_name: str, params: dict,
           step: Progress) -> EtlResult:
    """The staged rows the store lacks, written in one transaction."""
    step("writing to the store", None)
    [(before, blocks_before)] = rows(con, "import/etl_stored_counts", {"chain": chain_name})
    seen = _count(con, "import/etl_staged_count")
    with transaction(con):
        run_script(
            con, read_sql("import/etl_write.sql"), params,
            on_progress=lambda i, n, pct: step(f"writing to the store ({i}/{n})", pct),
        )
        tokens = _write_tokens(con, chain_name, files.get("tokens"))
        execute(con, "import/etl_record_import", {
            "import_id": f"etl:{chain_name}:{folder}",
            "details": json.dumps({"files": {k: str(v) for k, v in sorted(files.items())}}),
            "imported_at": datetime.now(UTC),
        })
    [(after, blocks_after)] = rows(con, "import/etl_stored_counts", {"chain": chain_name})
    return EtlResult(folder, files, after - before, seen, blocks_after - blocks_before, tokens)


def _drop_stage(con: duckdb.DuckDBPyConnection) -> None:
    """Free the staging tables (temporary, of this connection), whether the import went in or not."""
    run_script(con, read_sql("import/etl_drop_stage.sql"))


def _unreadable(folder: Path, files: dict[str, Path], exc: duckdb.Error) -> ImportFileError:
    """A file DuckDB could not read through: name it, the line and what is wrong there."""
    text = str(exc)
    where = next((str(p) for p in files.values() if str(p) in text), str(folder))
    line = re.search(r"CSV Error on Line: (\d+)", text)
    if line:
        details = [r for r in text.splitlines()[1:] if r.strip() and not r.startswith(("Original Line", "Possible"))]
        where, what = f"{where} line {line.group(1)}", (details or ["malformed"])[0].strip().rstrip(".")
    else:
        what = f"cannot be read ({text.splitlines()[0]})"
    return ImportFileError(
        f"{where}: {what}. The file is not a whole CSV export (damaged, cut off or edited?): copy or "
        "export it again; nothing was imported"
    )


def _refuse_problems(con: duckdb.DuckDBPyConnection, folder: Path, files: dict[str, Path]) -> None:
    """Stop the import when a row is malformed or a block time is missing or contradicted."""
    problems = rows(con, "import/etl_checks")
    if problems:
        lines = [_describe(con, files, *problem) for problem in problems]
        raise ImportFileError(
            f"nothing was imported from {folder}; {FIX}:\n  " + "\n  ".join(lines)
        )


def _describe(con: duckdb.DuckDBPyConnection, files: dict[str, Path], table: str, column: str, kind: str,
              rows: int, example: str) -> str:
    """One line of the refusal: where (file, line, column), what is wrong, how many rows."""
    if kind == "untimed":
        return (f"{example}: {rows:,} transfer(s) whose block time is in no file nor the store; add "
                "blocks.csv covering these blocks (ethereum-etl export_blocks_and_transactions)")
    if kind == "creation":
        return (f"{files[table]}{_locate(con, files[table], 'hash', example)}, column to_address: transaction "
                f"{example} creates a contract and pays it, but no receipts.csv (contract_address) nor "
                f"receipt_contract_address says which; {rows:,} transaction(s) like this. Add receipts.csv "
                "(ethereum-etl export_receipts_and_logs)")
    if kind == "contradicted":
        return (f"{example} ({rows:,} block(s) like this, between blocks.csv, block_timestamp columns "
                "and the store); import blocks and transfers of one export")
    path = files[table]
    shown = "it is empty" if example == "" else f"{_shorten(example)} is"
    return (f"{path}{_locate(con, path, column, example)}, column {column}: {shown} not "
            f"{EXPECTED[kind]}; {rows:,} row(s) like this")


def _shorten(value: str) -> str:
    return repr(value if len(value) <= 80 else value[:80] + "...")


def _locate(con: duckdb.DuckDBPyConnection, path: Path, column: str, value: str) -> str:
    """' line N' (CSV) or ' row N' (Parquet) of the first row whose `column` holds `value`; ''
    when it cannot be found (the message then names the file and value alone)."""
    if path.name.endswith(".parquet"):
        try:
            found = rows(con, "import/etl_parquet_row",
                         {"path": str(path), "column": column, "value": value})[0][0]
        except duckdb.Error:
            found = None
        return f" row {found}" if found else ""
    try:
        with _open_text(path) as handle:
            reader = csv.reader(handle)
            index = next(reader).index(column)
            for row in reader:
                if (row[index] if index < len(row) else "") == value:
                    return f" line {reader.line_num}"
    except (*_UNREADABLE, ValueError, StopIteration):
        pass
    return ""


def _refuse_conflicting_repeats(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """A transfer given twice in the files with different contents: keeping either would hide the
    other, so the import stops."""
    conflicts = rows(con, "import/etl_conflicts")
    if conflicts:
        kind, tx, position, count = conflicts[0]
        raise ImportFileError(
            f"nothing was imported from {folder}: the {kind} transfer at position {position} of "
            f"transaction {tx} is given {count} times with different values (sender, receiver, "
            f"amount, token or block); {len(conflicts)} transfer(s) like this. Keep one export of "
            "these blocks in the folder and import again"
        )


def _refuse_disagreeing_with_the_store(con: duckdb.DuckDBPyConnection, folder: Path, chain_name: str) -> None:
    """A transfer the store holds already with other contents: writing would keep the stored one
    and drop the file's without a word, so the import stops and says which."""
    found = rows(con, "import/etl_stored_conflicts", {"chain": chain_name})
    if found:
        kind, tx, position, source, count = found[0]
        raise ImportFileError(
            f"nothing was imported from {folder}: the {kind} transfer at position {position} of "
            f"transaction {tx} is stored already (from {source}) with different values (sender, "
            f"receiver, amount, token or block); {count} transfer(s) like this. The files and the store "
            f"disagree: check that the files are of --chain {chain_name} and of the same blocks "
            "(not a reorganised or edited export); to replace stored data, import into a new store"
        )


def _register_trace_position(con: duckdb.DuckDBPyConnection) -> None:
    """SQL `etl_trace_position('0,1,1')`: the store position of the call at that trace address,
    the same number the live sources give it (NULL for a malformed address, for the checks)."""
    try:
        con.remove_function("etl_trace_position")  # registered on this connection by an earlier import
    except (duckdb.InvalidInputException, duckdb.CatalogException):
        pass
    con.create_function("etl_trace_position", _trace_position_of_text, ["VARCHAR"], "INTEGER",
                        null_handling=FunctionNullHandling.SPECIAL)


def _trace_position_of_text(text: str | None) -> int | None:
    parts = (text or "").replace(" ", "").split(",")
    if not all(p.isascii() and p.isdigit() for p in parts):
        return None
    return trace_position([int(p) for p in parts])


def _write_tokens(con: duckdb.DuckDBPyConnection, chain_name: str, path: Path | None) -> int:
    """Token metadata from tokens.csv; what the store knows already (built-in tokens) wins."""
    if path is None:
        return 0
    execute(con, "import/etl_tokens", {"chain": chain_name, "file": path.name})
    return _count(con, "import/etl_token_count")


def _count(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """The one number the named query gives."""
    return int(rows(con, name)[0][0])
