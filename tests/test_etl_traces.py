"""`import etl` reads ethereum-etl's traces: internal ether transfers in bulk-imported stores.

Real data: every transaction and trace of Ethereum block 18,000,011 (graphsense-lib's fixture,
tests/resources/graphsense-eth-18000011), written out in ethereum-etl's CSV layout.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from conftest import write_csv
from tracers.errors import ImportFileError
from tracers.etl import import_etl
from tracers.sources.explorer import trace_position

BLOCK = Path(__file__).parent / "resources" / "graphsense-eth-18000011"
TRACE_COLUMNS = ["block_number", "transaction_hash", "transaction_index", "from_address", "to_address", "value",
                 "input", "output", "trace_type", "call_type", "reward_type", "gas", "gas_used", "subtraces",
                 "trace_address", "error", "status", "trace_id"]


def load(name: str) -> list[dict]:
    return json.loads((BLOCK / f"{name}.json").read_text())


@pytest.fixture(scope="module")
def traces() -> list[dict]:
    return load("traces")


def etl_folder(folder: Path, traces: list[dict], suffix: str = ".csv") -> Path:
    """The block as `ethereumetl export_all` + `export_traces` would write it."""
    block = load("blocks")[0]
    write_csv(folder / "blocks.csv", ["number", "hash", "timestamp"],
              [{"number": block["block_id"], "hash": block["block_hash"], "timestamp": block["timestamp"]}])
    write_csv(folder / "transactions.csv",
              ["hash", "block_number", "transaction_index", "from_address", "to_address", "value", "receipt_status"],
              [{**t, "hash": t["tx_hash"], "block_number": t["block_id"]} for t in load("transactions")])
    write_csv(folder / "token_transfers.csv", ["token_address", "from_address", "to_address", "value",
                                               "transaction_hash", "log_index", "block_number"], [])
    path = write_csv(folder / "traces.csv", TRACE_COLUMNS,
                     [{**t, "transaction_hash": t["tx_hash"], "block_number": t["block_id"]} for t in traces])
    if suffix == ".csv.gz":
        with path.open("rb") as source, gzip.open(folder / "traces.csv.gz", "wb") as target:
            shutil.copyfileobj(source, target)
        path.unlink()
    return folder


def expected_internal(traces: list[dict]) -> dict[tuple, tuple]:
    """What moved ether inside a transaction, by the plain reading of each trace."""
    return {
        (t["tx_hash"], trace_position([int(i) for i in t["trace_address"].split(",")])):
            (t["from_address"], t["to_address"], t["value"])
        for t in traces
        if t["trace_address"] != "" and t["status"] == 1 and t["value"] > 0
        and t["trace_type"] == "call" and t["call_type"] == "call"
    }


def internal(con) -> dict[tuple, tuple]:
    rows = con.execute("SELECT tx_hash, position, from_address, to_address, CAST(amount AS VARCHAR) "
                       "FROM transfers WHERE kind = 'internal'").fetchall()
    return {(tx, pos): (f, t, int(v)) for tx, pos, f, t, v in rows}


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_a_real_blocks_traces_give_exactly_its_successful_internal_ether_transfers(con, tmp_path, traces, suffix):
    import_etl(con, etl_folder(tmp_path / "etl", traces, suffix))
    want = expected_internal(traces)
    assert len(want) == 63  # of 671 traces: not the roots, not static/delegate calls, not failed ones
    assert internal(con) == want
    in_order = con.execute("SELECT count(*) FROM transfers_to WHERE kind = 'internal'").fetchall()[0][0]
    assert in_order == 63


def test_reverted_traces_and_their_subtraces_move_nothing(con, tmp_path, traces):
    failed_with_value = [t for t in traces if t["status"] == 0 and t["value"] > 0 and t["trace_address"]]
    assert failed_with_value  # the block has some: 6 non-root calls that failed with value
    import_etl(con, etl_folder(tmp_path / "etl", traces))
    stored = {tx for tx, _ in internal(con)}
    for t in failed_with_value:
        key = (t["tx_hash"], trace_position([int(i) for i in t["trace_address"].split(",")]))
        assert key not in internal(con), t["trace_id"]
    # a subtrace under a failed call, even one marked successful, is skipped by its ancestor's error
    parent = failed_with_value[0]
    child = {**parent, "trace_address": parent["trace_address"] + ",0", "status": 1, "error": None,
             "trace_id": parent["trace_id"] + "_0"}
    con.execute("DELETE FROM transfers; DELETE FROM transfers_to")
    import_etl(con, etl_folder(tmp_path / "etl2", [*traces, {**parent, "error": "Reverted", "status": 1}, child]))
    key = (child["tx_hash"], trace_position([int(i) for i in child["trace_address"].split(",")]))
    assert key not in internal(con) and stored == {tx for tx, _ in internal(con)}


def test_reimporting_traces_adds_nothing_and_a_live_source_would_meet_the_same_rows(con, tmp_path, traces):
    folder = etl_folder(tmp_path / "etl", traces)
    first = import_etl(con, folder)
    again = import_etl(con, folder)
    assert first.transfers_added > 63 and again.transfers_added == 0
    # the position is the one the RPC and explorer sources compute for the same call
    assert trace_position([0]) == 1_000_000 and trace_position([0, 1]) == 1_002_000


def test_a_malformed_trace_address_stops_the_import_and_names_the_row(con, tmp_path, traces):
    bad = next(t for t in traces if t["trace_address"] and t["status"] == 1 and t["value"] > 0
               and t["call_type"] == "call")
    broken = [{**bad, "trace_address": "0,x"} if t is bad else t for t in traces]
    line = traces.index(bad) + 2  # after the header
    with pytest.raises(ImportFileError, match=rf"traces.csv line {line}, column trace_address: '0,x' is not call "
                                              r"indexes joined by commas, such as 0,1,1 .*; 1 row"):
        import_etl(con, etl_folder(tmp_path / "etl", broken))
    assert con.execute("SELECT count(*) FROM transfers").fetchall() == [(0,)]


def test_creations_and_self_destructs_move_ether_but_delegate_calls_do_not(con, tmp_path, traces):
    base = next(t for t in traces if t["trace_address"] == "" and t["status"] == 1)
    made = [
        {**base, "trace_address": "0", "trace_type": "create", "call_type": None, "value": 7,
         "to_address": "0x" + "c1" * 20, "trace_id": "create_x"},
        {**base, "trace_address": "1", "trace_type": "suicide", "call_type": None, "value": 9,
         "from_address": "0x" + "c1" * 20, "to_address": "0x" + "d2" * 20, "trace_id": "suicide_x"},
        {**base, "trace_address": "2", "trace_type": "call", "call_type": "delegatecall", "value": 11,
         "trace_id": "delegate_x"},
    ]
    import_etl(con, etl_folder(tmp_path / "etl", [base, *made]))
    tx = base["tx_hash"]
    assert internal(con) == {(tx, 1_000_000): (base["from_address"], "0x" + "c1" * 20, 7),
                             (tx, 2_000_000): ("0x" + "c1" * 20, "0x" + "d2" * 20, 9)}
