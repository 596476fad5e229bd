"""`tracers import etl`: ethereum-etl exports become exact transfers with block times."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from datetime import UTC, datetime

import duckdb
import pytest

from conftest import ETL_VECTORS, write_csv
from tracers.errors import ImportFileError
from tracers.etl import import_etl

STREAM = ETL_VECTORS / "test_stream" / "blocks_17173049_17173050"
TRANSFER_KEY = "asset, from_address, to_address, CAST(amount AS VARCHAR), tx_hash, position, block_number"


def stored(con, kind: str) -> set[tuple]:
    rows = con.execute(
        f"SELECT {TRANSFER_KEY} FROM transfers WHERE kind = ?", [kind]
    ).fetchall()
    return {(a, f, t, int(v), h, p, b) for a, f, t, v, h, p, b in rows}


def jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (STREAM / name).read_text().splitlines() if line.strip()]


def test_stream_vectors_give_exactly_ethereum_etls_token_transfers(con, stream_vectors):
    import_etl(con, stream_vectors)
    expected = {
        (r["token_address"], r["from_address"], r["to_address"], int(r["value"]),
         r["transaction_hash"], r["log_index"], r["block_number"])
        for r in jsonl("expected_token_transfers.json")
    }
    assert len(expected) == 291
    assert stored(con, "token") == expected


def test_stream_vectors_give_native_transfers_of_successful_valued_transactions(con, stream_vectors):
    import_etl(con, stream_vectors)
    expected = {
        ("native", r["from_address"], r["to_address"], int(r["value"]), r["hash"], 0, r["block_number"])
        for r in jsonl("expected_transactions.json")
        if int(r["value"]) > 0 and r["receipt_status"] != 0
    }
    assert expected and stored(con, "native") == expected


def test_every_transfer_carries_its_blocks_time(con, stream_vectors):
    import_etl(con, stream_vectors)
    times = {b["number"]: datetime.fromtimestamp(b["timestamp"], UTC) for b in jsonl("expected_blocks.json")}
    rows = con.execute("SELECT block_number, block_time FROM transfers").fetchall()
    assert rows and all(t == times[n] for n, t in rows)


def test_token_transfer_vectors_from_the_export_job(con, tmp_path):
    source = ETL_VECTORS / "test_export_token_transfers_job" / "block_with_transfers"
    folder = tmp_path / "tt"
    folder.mkdir()
    shutil.copy(source / "expected_token_transfers.csv", folder / "token_transfers.csv")
    with pytest.raises(ImportFileError, match="blocks.csv"):
        import_etl(con, folder)
    assert con.execute("SELECT count(*) FROM transfers").fetchall()[0][0] == 0
    write_csv(folder / "blocks.csv", ["number", "timestamp"], [{"number": 483920, "timestamp": 1446561880}])
    import_etl(con, folder)
    with (source / "expected_token_transfers.csv").open() as handle:
        expected = {
            (r["token_address"], r["from_address"], r["to_address"], int(r["value"]),
             r["transaction_hash"], int(r["log_index"]), int(r["block_number"]))
            for r in csv.DictReader(handle)
        }
    assert stored(con, "token") == expected


def test_transfers_to_holds_exactly_the_transfers(con, stream_vectors, mini_chain):
    """The receiver-ordered copy is a data check away from the table it mirrors."""
    import_etl(con, stream_vectors)
    import_etl(con, stream_vectors)
    a, b = "0x" + "a" * 40, "0x" + "b" * 40
    mini_chain.pay_ether(a, b, 5)
    import_etl(con, mini_chain.write())
    for left, right in (("transfers", "transfers_to"), ("transfers_to", "transfers")):
        assert con.execute(f"SELECT count(*) FROM (SELECT * FROM {left} EXCEPT ALL SELECT * FROM {right})").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM transfers_to").fetchall()[0][0] == 419


def test_import_twice_leaves_the_same_rows(con, stream_vectors):
    first = import_etl(con, stream_vectors)
    snapshot = con.execute("SELECT * EXCLUDE (amount), CAST(amount AS VARCHAR) FROM transfers ORDER BY ALL").fetchall()
    second = import_etl(con, stream_vectors)
    again = con.execute("SELECT * EXCLUDE (amount), CAST(amount AS VARCHAR) FROM transfers ORDER BY ALL").fetchall()
    assert first.transfers_added == len(snapshot) > 0
    assert second.transfers_added == 0
    assert again == snapshot
    assert con.execute("SELECT count(*) FROM blocks").fetchall()[0][0] == 2


def test_overlapping_exports_do_not_double(con, stream_vectors, tmp_path):
    import_etl(con, stream_vectors)
    total = con.execute("SELECT count(*) FROM transfers").fetchall()[0][0]
    half = tmp_path / "half"
    half.mkdir()
    for name in ("blocks.csv", "transactions.csv", "token_transfers.csv"):
        lines = (stream_vectors / name).read_text().splitlines(keepends=True)
        (half / name).write_text("".join(lines[: max(2, len(lines) // 2)] + lines[1:3]))
    import_etl(con, half)
    assert con.execute("SELECT count(*) FROM transfers").fetchall()[0][0] == total


@pytest.mark.parametrize("suffix", [".csv.gz", ".parquet"])
def test_gzip_and_parquet_exports_import_the_same(con, stream_vectors, tmp_path, suffix):
    import_etl(con, stream_vectors)
    expected = stored(con, "token") | stored(con, "native")
    other = tmp_path / f"as{suffix.replace('.', '_')}"
    other.mkdir()
    for name in ("blocks", "transactions", "token_transfers"):
        source = stream_vectors / f"{name}.csv"
        target = other / f"{name}{suffix}"
        if suffix == ".csv.gz":
            target.write_bytes(gzip.compress(source.read_bytes()))
        else:
            duckdb.execute(
                f"COPY (SELECT * FROM read_csv('{source}', all_varchar=true)) TO '{target}' (FORMAT parquet)"
            )
    fresh = duckdb.connect()
    from tracers.store import connect

    con2 = connect(tmp_path / f"second{suffix}.duckdb")
    import_etl(con2, other)
    assert stored(con2, "token") | stored(con2, "native") == expected
    fresh.close()
    con2.close()


def test_bigquery_style_parquet_with_numeric_values_and_timestamps(con, tmp_path):
    """BigQuery's crypto_ethereum: value NUMERIC (decimal with 9 zero decimals), TIMESTAMP columns,
    receipt_status inside transactions, no blocks table needed."""
    folder = tmp_path / "bq"
    folder.mkdir()
    duckdb.execute(f"""
        COPY (SELECT * FROM (VALUES
            ('0x' || repeat('1', 64), 5::BIGINT, 0::BIGINT, '0x' || repeat('a', 40), '0x' || repeat('b', 40),
             CAST('12345678901234567890123.000000000' AS DECIMAL(38, 9)), TIMESTAMP '2024-01-02 03:04:05', 1::BIGINT),
            ('0x' || repeat('2', 64), 5, 1, '0x' || repeat('a', 40), '0x' || repeat('c', 40),
             CAST('7.000000000' AS DECIMAL(38, 9)), TIMESTAMP '2024-01-02 03:04:05', 0))
          t(hash, block_number, transaction_index, from_address, to_address, value, block_timestamp, receipt_status))
        TO '{folder / "transactions.parquet"}' (FORMAT parquet)""")
    import_etl(con, folder)
    rows = con.execute("SELECT CAST(amount AS VARCHAR), block_time, to_address FROM transfers").fetchall()
    assert rows == [("12345678901234567890123", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "0x" + "b" * 40)]


def test_failed_and_zero_value_transactions_move_nothing(con, mini_chain):
    a, b = "0x" + "a" * 40, "0x" + "b" * 40
    ok = mini_chain.pay_ether(a, b, 5)
    mini_chain.pay_ether(a, b, 7, status=0)
    mini_chain.pay_ether(a, b, 0)
    import_etl(con, mini_chain.write())
    assert con.execute("SELECT tx_hash FROM transfers").fetchall() == [(ok,)]
    statuses = dict(con.execute("SELECT status, count(*) FROM transactions GROUP BY ALL").fetchall())
    assert statuses == {0: 1}


def test_extra_columns_and_other_files_are_ignored(con, stream_vectors):
    (stream_vectors / "logs.csv").write_text("nonsense\n1\n")
    (stream_vectors / "contracts.json").write_text("{}")
    import_etl(con, stream_vectors)
    assert con.execute("SELECT count(*) FROM transfers").fetchall()[0][0] == 418


def test_a_bad_value_imports_nothing_and_names_row_and_fix(con, mini_chain):
    a, b = "0x" + "a" * 40, "0x" + "b" * 40
    mini_chain.pay_ether(a, b, 5)
    mini_chain.pay_token("0x" + "c" * 40, a, b, 10)
    mini_chain.token_transfers[-1]["value"] = "1.5e3"
    with pytest.raises(ImportFileError) as info:
        import_etl(con, mini_chain.write())
    message = str(info.value)
    assert "token_transfers.csv line 2, column value: '1.5e3' is not a whole number" in message
    assert "fix or remove these rows" in message
    assert con.execute("SELECT count(*) FROM transfers").fetchall()[0][0] == 0


def test_missing_column_is_named(con, tmp_path):
    folder = tmp_path / "bad"
    write_csv(folder / "token_transfers.csv", ["token_address", "from_address", "value"], [])
    with pytest.raises(ImportFileError, match="missing column.*to_address"):
        import_etl(con, folder)


def test_a_folder_without_exports_says_what_to_give(con, tmp_path):
    with pytest.raises(ImportFileError, match="no transactions.csv or token_transfers.csv"):
        import_etl(con, tmp_path)
    with pytest.raises(ImportFileError, match="is not a folder"):
        import_etl(con, tmp_path / "nope")


def test_tokens_csv_describes_assets_without_overriding_builtin_ones(con, mini_chain):
    fake = "0x" + "f" * 40
    usdt = "0xdac17f958d2ee523a2206206994597c13d831ec7"
    mini_chain.pay_token(fake, "0x" + "a" * 40, "0x" + "b" * 40, 1)
    folder = mini_chain.write()
    write_csv(folder / "tokens.csv", ["address", "symbol", "name", "decimals"],
              [{"address": fake, "symbol": "USDT", "name": "Tether USD", "decimals": 6},
               {"address": usdt, "symbol": "XXX", "name": "wrong", "decimals": 2}])
    import_etl(con, folder)
    assets = dict(((a, (s, d)) for a, s, d in con.execute(
        "SELECT asset, symbol, decimals FROM assets WHERE chain = 'ethereum'").fetchall()))
    assert assets[fake] == ("USDT", 6)
    assert assets[usdt] == ("USDT", 6)


def test_files_that_disagree_with_the_store_are_refused_not_skipped(con, tmp_path):
    """A second export of the same blocks with another amount for a stored transfer (an edited or
    reorganised export): the stored row would stay and the file's vanish without a word. Refused,
    naming the transfer; the store unchanged. The same export again changes nothing and is fine."""
    from conftest import MiniChain

    usdt = "0xdac17f958d2ee523a2206206994597c13d831ec7"
    first = MiniChain(tmp_path / "first")
    tx, _ = first.pay_token(usdt, "0x" + "1" * 40, "0x" + "2" * 40, 5_000_000)
    first.pay_ether("0x" + "1" * 40, "0x" + "3" * 40, 10**18)
    import_etl(con, first.write())
    before = con.execute("SELECT * FROM transfers ORDER BY ALL").fetchall()
    import_etl(con, first.folder)  # the same files again: nothing changes, nothing refused
    assert con.execute("SELECT * FROM transfers ORDER BY ALL").fetchall() == before

    edited = tmp_path / "edited"
    shutil.copytree(first.folder, edited)
    rows = list(csv.DictReader((edited / "token_transfers.csv").open()))
    rows[0]["value"] = "5000001"
    write_csv(edited / "token_transfers.csv", list(rows[0]), rows)
    with pytest.raises(ImportFileError) as info:
        import_etl(con, edited)
    message = str(info.value)
    assert f"transaction {tx} is stored already" in message and "1 transfer(s) like this" in message
    assert "--chain ethereum" in message
    assert con.execute("SELECT * FROM transfers ORDER BY ALL").fetchall() == before
