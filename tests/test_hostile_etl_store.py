"""Hostile ethereum-etl folders and store files (issue 12).

Every case asserts what an analyst sees: exit code 1; one message naming the file (and for a bad
row its line and column) and saying the fix; never a traceback; and a refused folder or file leaves
the store, or the file given as a store, exactly as it was.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sqlite3
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import BLOCK_COLUMNS, TT_COLUMNS, TX_COLUMNS, MiniChain, write_csv
from tracers.cli import app
from tracers.errors import ImportFileError
from tracers.etl import import_etl
from tracers.store import connect

A, B, TOKEN = "0x" + "a" * 40, "0x" + "b" * 40, "0x" + "c" * 40
GOOD_TX = "0x" + "1" * 64
WORD = 2**256 - 1  # the largest amount an EVM word holds


def cli(db: Path, *args: str):
    return CliRunner().invoke(app, ["--db", str(db), *args])


def refused(result, *phrases: str) -> str:
    """The refusal message, after checking exit code 1, no traceback and every phrase in it."""
    message = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "error:" in message
    for phrase in phrases:
        assert phrase in message, (phrase, message)
    return message


def snapshot(db: Path) -> dict[str, list]:
    """Every row of every table of a store, for 'the store is unchanged'."""
    con = connect(db)
    try:
        names = [n for (n,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary")
                 .fetchall()]
        return {n: sorted(map(str, con.execute(f'SELECT * FROM "{n}"').fetchall())) for n in names}
    finally:
        con.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db(tmp_path) -> Path:
    """A store holding one good import: A pays B 5 wei in block 101."""
    chain = MiniChain(tmp_path / "good")
    chain.pay_ether(A, B, 5)
    path = tmp_path / "store.duckdb"
    assert cli(path, "import", "etl", str(chain.write())).exit_code == 0
    return path


def folder(tmp_path: Path, txs: list[dict] | None = None, blocks: list[dict] | None = None,
           tts: list[dict] | None = None) -> Path:
    """An export folder of block 200 (time 2026-01-01) with the rows given."""
    out = tmp_path / "etl"
    write_csv(out / "blocks.csv", BLOCK_COLUMNS,
              blocks if blocks is not None else [{"number": 200, "timestamp": 1_767_225_600}])
    write_csv(out / "transactions.csv", TX_COLUMNS, txs or [])
    write_csv(out / "token_transfers.csv", TT_COLUMNS, tts or [])
    return out


def tx(**cells) -> dict:
    return {"hash": GOOD_TX, "block_number": 200, "transaction_index": 0, "from_address": A,
            "to_address": B, "value": 7, **cells}


def token(**cells) -> dict:
    return {"token_address": TOKEN, "from_address": A, "to_address": B, "value": 9,
            "transaction_hash": GOOD_TX, "log_index": 0, "block_number": 200, **cells}


# ------------------------------------------------------------------ malformed rows stop the import

BAD_TX_CELLS = [
    ("from_address", "0xzz", "an address (0x and 40 hex digits)"),
    ("from_address", "0x" + "g" * 40, "an address"),
    ("to_address", A + "0", "an address"),
    ("hash", "0x1234", "a hash (0x and 64 hex digits)"),
    ("hash", "", "it is empty"),
    ("value", str(2**256), "a whole number of base units below 2^256"),
    ("value", "-5", "a whole number"),
    ("value", "1e3", "a whole number"),
    ("value", "1.5", "a whole number"),
    ("value", "٣", "ASCII digits only"),
    ("block_number", " 200", "a whole number"),
    ("block_number", "+200", "a whole number"),
    ("block_number", "2.0", "a whole number"),
    ("transaction_index", "9" * 12, "a whole number"),
    ("block_timestamp", "yesterday", "a Unix time in seconds"),
]


@pytest.mark.parametrize(("column", "value", "expected"), BAD_TX_CELLS)
def test_a_malformed_transaction_cell_stops_the_import_naming_file_line_and_column(
        db, tmp_path, column, value, expected):
    before = snapshot(db)
    etl = folder(tmp_path, [tx(hash="0x" + "2" * 64), tx(**{column: value})])
    message = refused(cli(db, "import", "etl", str(etl)),
                      f"{etl / 'transactions.csv'} line 3, column {column}", expected,
                      "nothing was imported", "fix or remove these rows")
    assert repr(value)[:20] in message or value == ""
    assert snapshot(db) == before


@pytest.mark.parametrize(("column", "value"), [
    ("token_address", "0xZZ" + "c" * 38), ("from_address", "not an address"), ("to_address", ""),
    ("value", str(2**256 + 1)), ("transaction_hash", "0x" + "1" * 63), ("log_index", "-1"),
    ("log_index", str(2**40)), ("block_number", "0x10"),
])
def test_a_malformed_token_transfer_cell_stops_the_import(db, tmp_path, column, value):
    before = snapshot(db)
    etl = folder(tmp_path, tts=[token(), token(**{"log_index": 1, column: value})])
    refused(cli(db, "import", "etl", str(etl)), f"{etl / 'token_transfers.csv'} line 3, column {column}")
    assert snapshot(db) == before


@pytest.mark.parametrize(("stamp", "why"), [
    ("yesterday", "a word"), ("1767225600000", "milliseconds"), ("4102444800", "the year 2100"),
    ("0", "1970, not a genesis block"), ("epoch", "DuckDB's 'epoch'"), ("infinity", "DuckDB's 'infinity'"),
    ("", "empty"),
])
def test_a_block_without_transfers_whose_time_is_malformed_is_not_dropped_but_refused(db, tmp_path, stamp, why):
    """blocks.csv row 3 is block 201, which no transfer needs: it was dropped silently."""
    before = snapshot(db)
    etl = folder(tmp_path, [tx()], blocks=[{"number": 200, "timestamp": 1_767_225_600},
                                           {"number": 201, "timestamp": stamp}])
    refused(cli(db, "import", "etl", str(etl)), f"{etl / 'blocks.csv'} line 3, column timestamp",
            "a Unix time in seconds (or an ISO time) between 2015-07-30 and tomorrow")
    assert snapshot(db) == before, why


def test_exact_values_up_to_the_largest_word_and_any_hex_case_go_in(db, tmp_path):
    etl = folder(tmp_path, [tx(value=WORD, from_address=A.upper().replace("0X", "0x"))],
                 blocks=[{"number": 0, "timestamp": 0}, {"number": 200, "timestamp": "2026-01-01 00:00:00 UTC"}])
    assert cli(db, "import", "etl", str(etl)).exit_code == 0
    con = connect(db)
    rows = con.execute("SELECT from_address, CAST(amount AS VARCHAR) FROM transfers WHERE block_number = 200").fetchall()
    genesis = con.execute("SELECT count(*) FROM blocks WHERE block_number = 0").fetchall()
    con.close()
    assert rows == [(A, str(WORD))] and genesis == [(1,)]  # Ethereum's block 0 has time 0


def test_every_problem_kind_is_listed_at_once(db, tmp_path):
    etl = folder(tmp_path, [tx(from_address="0xzz"), tx(hash="0x1234")],
                 blocks=[{"number": 200, "timestamp": "yesterday"}])
    refused(cli(db, "import", "etl", str(etl)), "blocks.csv line 2, column timestamp",
            "transactions.csv line 2, column from_address", "transactions.csv line 3, column hash")


def test_contradicting_block_times_are_refused_not_one_picked(db, tmp_path):
    before = snapshot(db)
    etl = folder(tmp_path, [tx(block_timestamp=1_767_225_612)])
    refused(cli(db, "import", "etl", str(etl)), "block 200 is given the times 2026-01-01 00:00:00+00 and "
            "2026-01-01 00:00:12+00")
    # the store's own time for a block counts too: block 101 is stored at GENESIS + 12 * 101
    other = folder(tmp_path / "2", [tx(block_number=101)], blocks=[{"number": 101, "timestamp": 1_767_225_600}])
    refused(cli(db, "import", "etl", str(other)), "block 101 is given the times")
    assert snapshot(db) == before


def test_a_transfer_repeated_with_another_amount_is_refused_not_one_picked(db, tmp_path):
    before = snapshot(db)
    etl = folder(tmp_path, [tx(), tx(value=8)])
    refused(cli(db, "import", "etl", str(etl)), f"transaction {GOOD_TX} is given 2 times with different values")
    assert snapshot(db) == before
    same = folder(tmp_path / "2", [tx(), tx()])
    assert cli(db, "import", "etl", str(same)).exit_code == 0  # an exact copy is only a repeat


def test_ether_paid_to_a_contract_no_file_names_is_refused_until_receipts_say_which(db, tmp_path):
    before = snapshot(db)
    etl = folder(tmp_path, [tx(to_address="")])
    refused(cli(db, "import", "etl", str(etl)), "transactions.csv line 2, column to_address",
            "creates a contract and pays it", "Add receipts.csv")
    assert snapshot(db) == before
    write_csv(etl / "receipts.csv", ["transaction_hash", "status", "contract_address"],
              [{"transaction_hash": GOOD_TX, "status": 1, "contract_address": TOKEN}])
    assert cli(db, "import", "etl", str(etl)).exit_code == 0
    con = connect(db)
    assert con.execute("SELECT to_address FROM transfers WHERE tx_hash = ?", [GOOD_TX]).fetchall() == [(TOKEN,)]
    con.close()


def test_a_malformed_parquet_cell_is_named_by_row(db, tmp_path):
    etl = folder(tmp_path, [tx(), tx(hash="0x" + "3" * 64, to_address="0xnope")])
    source = etl / "transactions.csv"
    duckdb.execute(f"COPY (SELECT * FROM read_csv('{source}', all_varchar=true)) "
                   f"TO '{etl / 'transactions.parquet'}' (FORMAT parquet)")
    source.unlink()
    refused(cli(db, "import", "etl", str(etl)), f"{etl / 'transactions.parquet'} row 2, column to_address")


# ------------------------------------------------------------------ files that cannot be read

def _gzip_cut_short(data: bytes) -> bytes:
    return gzip.compress(data)[:30]


def _gzip_bad_deflate(data: bytes) -> bytes:
    packed = bytearray(gzip.compress(data))
    for i in range(12, 16):
        packed[i] ^= 0xFF
    return bytes(packed)


@pytest.mark.parametrize("damage", [lambda d: b"not gzip at all", _gzip_cut_short, _gzip_bad_deflate,
                                    lambda d: gzip.compress(d)[: len(gzip.compress(d)) // 2]])
def test_a_damaged_csv_gz_is_named(db, tmp_path, damage):
    before = snapshot(db)
    etl = folder(tmp_path, [tx(hash="0x" + f"{i:064x}", value=i + 1) for i in range(2000)])
    plain = etl / "transactions.csv"
    (etl / "transactions.csv.gz").write_bytes(damage(plain.read_bytes()))
    plain.unlink()
    refused(cli(db, "import", "etl", str(etl)), str(etl / "transactions.csv.gz"),
            "export it again", "nothing was imported")
    assert snapshot(db) == before


@pytest.mark.parametrize(("text", "line"), [
    ("hash,block_number,from_address,to_address,value\n" + f"{GOOD_TX},200,{A},{B},1\n{GOOD_TX},200,{A}\n", 3),
    ("hash,block_number,from_address,to_address,value\n" + f"{GOOD_TX},200,{A},{B},\"1\n", 2),
    ("hash,block_number,from_address,to_address,value\n".encode() + b"\xff\xfe,200,a,b,1\n", 2),
])
def test_a_malformed_csv_is_named_with_its_line(db, tmp_path, text, line):
    before = snapshot(db)
    etl = folder(tmp_path)
    (etl / "transactions.csv").write_bytes(text if isinstance(text, bytes) else text.encode())
    refused(cli(db, "import", "etl", str(etl)), f"{etl / 'transactions.csv'} line {line}", "export it again")
    assert snapshot(db) == before


def test_a_byte_order_mark_before_the_header_is_read_as_excel_writes_it(db, tmp_path):
    etl = folder(tmp_path, [tx()])
    path = etl / "transactions.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert cli(db, "import", "etl", str(etl)).exit_code == 0


# ------------------------------------------------------------------ fuzzing the import

CELL = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=70),
    st.sampled_from(["0x" + "f" * 40, "0x" + "F" * 64, str(WORD), str(2**256), "1.000", " 1", "1,5", "\"", "\n"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(column=st.sampled_from(["hash", "block_number", "transaction_index", "from_address", "to_address",
                               "value", "block_timestamp"]), value=CELL)
def test_any_cell_is_imported_exactly_or_refused_whole(tmp_path_factory, column, value):
    """For any text in any column: an ImportFileError and an unchanged store, or a clean import
    whose stored values are well-formed."""
    tmp = tmp_path_factory.mktemp("fuzz")
    con = connect(":memory:")
    try:
        try:
            import_etl(con, folder(tmp, [tx(hash="0x" + "4" * 64), tx(**{column: value})]))
        except ImportFileError:
            assert con.execute("SELECT count(*) FROM transfers").fetchall() == [(0,)]
            assert con.execute("SELECT count(*) FROM blocks").fetchall() == [(0,)]
            return
        rows = con.execute(
            "SELECT tx_hash, from_address, to_address, CAST(amount AS VARCHAR) FROM transfers").fetchall()
    finally:
        con.close()
    for tx_hash, sender, receiver, amount in rows:
        assert len(tx_hash) == 66 and len(sender) == len(receiver) == 42
        assert int(tx_hash, 16) >= 0 and int(sender, 16) >= 0 and int(receiver, 16) >= 0
        assert 0 < int(amount) < 2**256


# ------------------------------------------------------------------ files given as the store

def _sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE victims (name TEXT)")
    return path


def _random(path: Path) -> Path:
    path.write_bytes(os.urandom(4096))
    return path


def _empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _magic_only(path: Path) -> Path:
    path.write_bytes(b"DUCK")
    return path


def _foreign_duckdb(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE mine AS SELECT 1 AS a")
    con.close()
    return path


@pytest.mark.parametrize(("make", "phrases"), [
    (_sqlite, ["is a SQLite database, not a tracers store", "leaves it untouched"]),
    (_random, ["is not a DuckDB database, not a tracers store"]),
    (_foreign_duckdb, ["is a DuckDB database but not a tracers store (it holds mine and no tracers_store table)",
                       "writes nothing into it"]),
    (_empty, ["is empty (0 bytes)", "backup copy", "delete the empty file first"]),
    (_magic_only, ["too short to be a DuckDB database", "backup copy"]),
])
@pytest.mark.parametrize("command", [["status"], ["tags", "list"], ["case", "open", "K-1"]])
def test_a_file_that_is_no_tracers_store_is_refused_untouched(tmp_path, make, phrases, command):
    path = make(tmp_path / "other.db")
    before = digest(path)
    refused(cli(path, *command), str(path), *phrases)
    assert digest(path) == before
    assert not Path(f"{path}.wal").exists()


def test_no_extension_is_ever_fetched_to_read_a_file(tmp_path):
    con = connect(tmp_path / "s.duckdb")
    settings_ = dict(con.execute(
        "SELECT name, value FROM duckdb_settings() WHERE name LIKE 'auto%_known_extensions'").fetchall())
    con.close()
    assert settings_ == {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}


def test_a_folder_as_the_store_or_a_file_as_its_folder_is_named(tmp_path):
    refused(cli(tmp_path, "status"), f"{tmp_path} is a folder", str(tmp_path / "tracers.duckdb"))
    (tmp_path / "notes.txt").write_text("x")
    refused(cli(tmp_path / "notes.txt" / "s.duckdb", "status"), f"cannot create the folder {tmp_path / 'notes.txt'}",
            "a folder you can write to")


def test_an_empty_duckdb_file_and_a_new_path_become_stores(tmp_path):
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    for path in (tmp_path / "empty.duckdb", tmp_path / "new" / "deeper" / "s.duckdb"):
        assert cli(path, "status").exit_code == 0
        assert cli(path, "doctor").exit_code == 0


def test_a_store_from_before_the_marker_opens_and_is_marked(db):
    before = snapshot(db)
    del before["tracers_store"]
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE tracers_store")
    con.close()
    result = cli(db, "status", "--format", "json")
    assert result.exit_code == 0 and {"what": "transfers ethereum native", "count": 1} in json.loads(result.stdout)
    con = duckdb.connect(str(db))
    marker = con.execute("SELECT created_by FROM tracers_store").fetchall()
    con.close()
    assert marker == [("tracers 0.1.0, marking a store made before the marker",)]
    after = snapshot(db)
    del after["tracers_store"]
    assert after == before  # the data is as it was


def test_a_foreign_schema_migrations_table_does_not_pass_for_a_store(tmp_path):
    path = tmp_path / "rails.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version VARCHAR)")
    con.close()
    before = digest(path)
    refused(cli(path, "status"), "not a tracers store")
    assert digest(path) == before


# ------------------------------------------------------------------ damaged stores

def _filled(tmp_path: Path) -> Path:
    """A store with 200,000 transfers (enough blocks for damage to land in data)."""
    path = tmp_path / "filled.duckdb"
    con = connect(path)
    con.execute("""
        INSERT INTO transfers
        SELECT 'ethereum', 'native', 'native', '0x' || lpad(to_hex(i), 64, '0'), 0, i, 0,
               TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i), '0x' || lpad(to_hex(i % 1000), 40, '0'),
               '0x' || lpad(to_hex(i % 777), 40, 'b'), CAST(i AS BIGNUM), 'test'
        FROM range(200000) t(i)""")
    con.execute("INSERT INTO transfers_to SELECT * FROM transfers ORDER BY to_address")
    con.close()
    return path


def test_a_cut_off_store_says_how_to_recover(tmp_path):
    path = _filled(tmp_path)
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 3)
    for command in (["status"], ["transfers", A], ["doctor", "--format", "csv"]):
        refused(cli(path, *command), str(path), "backup copy", f"mv {path} {path}.damaged")


def test_a_corrupt_block_is_found_and_named_by_every_reader(tmp_path):
    path = _filled(tmp_path)
    size = path.stat().st_size
    with path.open("r+b") as handle:
        for fraction in (0.3, 0.5, 0.7):
            handle.seek(int(size * fraction))
            handle.write(b"\xde\xad\xbe\xef" * 64)
    doctor = cli(path, "doctor", "--format", "json")
    refused(doctor, "blocks read back")
    rows = json.loads(doctor.stdout)
    assert {"check": "blocks read back", "result": "PROBLEM"}.items() <= next(
        r for r in rows if r["check"] == "blocks read back").items()
    assert "Corrupt database file" in json.dumps(rows)
    reading = cli(path, "transfers", "0x" + "0" * 39 + "5")
    refused(reading, f"the store {path} could not be read", "backup copy", "doctor")


@pytest.mark.parametrize(("damage", "named", "doctor_says"), [
    ("DROP TABLE transfers_to", "table transfers_to is missing", "tables,PROBLEM,table transfers_to is missing"),
    ("ALTER TABLE transfers DROP COLUMN source", "table transfers lacks column(s) source",
     "tables,PROBLEM,table transfers lacks column(s) source"),
    ("DROP TABLE schema_migrations", "table schema_migrations is missing",
     "schema version,PROBLEM,no migration recorded"),
])
def test_a_store_missing_a_table_or_column_refuses_every_command_and_doctor_names_it(db, damage, named,
                                                                                    doctor_says):
    con = duckdb.connect(str(db))
    con.execute(damage)
    con.close()
    for command in (["status"], ["trace", "--case", "K-1"], ["transfers", A]):
        refused(cli(db, *command), named, "backup copy")
    refused(cli(db, "doctor", "--format", "csv"), doctor_says)


def test_doctor_on_a_whole_store_says_ok_in_every_format(db):
    table = cli(db, "doctor")
    assert table.exit_code == 0 and "PROBLEM" not in table.output
    rows = json.loads(cli(db, "doctor", "--format", "json").stdout)
    assert [r["check"] for r in rows] == ["file", "tracers store", "schema version", "tables",
                                           "blocks read back", "transfers_to mirrors transfers"]
    assert {r["result"] for r in rows} == {"ok"}
    assert "1 rows in each" in cli(db, "doctor", "--format", "csv").stdout


def test_doctor_finds_transfers_to_out_of_step_and_a_store_behind_the_schema(db):
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM transfers_to")
    newest = con.execute("SELECT max(version) FROM schema_migrations").fetchall()[0][0]
    con.execute("DELETE FROM schema_migrations WHERE version = ?", [newest])
    con.close()
    before = digest(db)
    rows = {r["check"]: r for r in json.loads(cli(db, "doctor", "--format", "json").stdout)}
    assert rows["transfers_to mirrors transfers"]["result"] == "PROBLEM"
    assert "transfers has 1 rows, transfers_to 0" in rows["transfers_to mirrors transfers"]["detail"]
    assert rows["schema version"]["result"] == "PROBLEM" and "status` once" in rows["schema version"]["fix"]
    assert digest(db) == before  # doctor never writes


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(head=st.binary(min_size=0, max_size=64), keep_magic=st.booleans())
def test_any_bytes_given_as_the_store_are_refused_untouched(tmp_path_factory, head, keep_magic):
    path = tmp_path_factory.mktemp("bytes") / "x.duckdb"
    path.write_bytes(head[:8] + b"DUCK" + head[8:] if keep_magic else head)
    before = digest(path)
    for command in (["status"], ["doctor"]):
        result = cli(path, *command)
        assert result.exit_code == 1 and "Traceback" not in result.output and "error:" in result.output
    assert digest(path) == before


def test_a_damaged_store_error_is_only_for_storage_failures():
    from tracers.store.integrity import failure

    assert failure("s.duckdb", duckdb.Error("Corrupt database file: checksum")) is not None
    assert failure("s.duckdb", duckdb.IOException("Could not read enough bytes")) is not None
    assert failure("s.duckdb", duckdb.BinderException("column x not found")) is None
    assert failure("s.duckdb", duckdb.ConstraintException("duplicate key")) is None
