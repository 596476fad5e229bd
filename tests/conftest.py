"""Shared fixtures: peers' recorded data in tests/resources/, fresh stores, small ethereum-etl folders."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tracers.store import connect

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "tests" / "resources"  # vendored, each source with its LICENSE and NOTICE.md
ETL_VECTORS = RESOURCES / "ethereum-etl"

BLOCK_COLUMNS = ["number", "hash", "timestamp"]
TX_COLUMNS = ["hash", "nonce", "block_hash", "block_number", "transaction_index", "from_address",
              "to_address", "value", "gas", "gas_price", "input", "block_timestamp"]
TT_COLUMNS = ["token_address", "from_address", "to_address", "value", "transaction_hash",
              "log_index", "block_number"]
TRACE_COLUMNS = ["transaction_hash", "block_number", "from_address", "to_address", "value", "trace_type",
                 "call_type", "trace_address", "status"]
RECEIPT_COLUMNS = ["transaction_hash", "transaction_index", "block_hash", "block_number",
                   "cumulative_gas_used", "gas_used", "contract_address", "root", "status",
                   "effective_gas_price"]


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    """One temporary Prefect API for the session, with its own PREFECT_HOME (no leaked caches)."""
    import os

    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def prefect_api(prefect_server) -> dict[str, str]:
    """Environment for the installed `tracers` command in its own process: its flows talk to the
    session's Prefect API instead of each starting a temporary server of its own."""
    from prefect.settings import PREFECT_API_URL

    return {"PREFECT_API_URL": str(PREFECT_API_URL.value()), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


@pytest.fixture
def con(tmp_path):
    connection = connect(tmp_path / "store.duckdb")
    yield connection
    connection.close()


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: "" if row.get(c) is None else row.get(c) for c in columns})
    return path


def jsonl_to_csv(source: Path, target: Path) -> Path:
    """ethereum-etl's streamed JSON lines -> the CSV ethereum-etl's exporters write."""
    rows = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    return write_csv(target, list(rows[0]), rows)


@pytest.fixture
def stream_vectors(tmp_path) -> Path:
    """ethereum-etl's own recorded blocks 17173049-17173050 as an export_all folder."""
    source = ETL_VECTORS / "test_stream" / "blocks_17173049_17173050"
    folder = tmp_path / "etl_stream"
    jsonl_to_csv(source / "expected_blocks.json", folder / "blocks.csv")
    jsonl_to_csv(source / "expected_transactions.json", folder / "transactions.csv")
    jsonl_to_csv(source / "expected_token_transfers.json", folder / "token_transfers.csv")
    return folder


class MiniChain:
    """A hand-built ethereum-etl folder: add blocks, ether payments and token transfers."""

    GENESIS = 1_767_225_600  # 2026-01-01T00:00:00Z

    def __init__(self, folder: Path, first_block: int = 100, first_tx: int = 0):
        self.folder = folder
        self.block = first_block
        self.blocks: list[dict] = []
        self.txs: list[dict] = []
        self.token_transfers: list[dict] = []
        self.receipts: list[dict] = []
        self.traces: list[dict] = []
        self._log = 0
        self._n = first_tx
        self.new_block()

    def new_block(self) -> int:
        self.block += 1
        self._log = 0
        self.blocks.append({"number": self.block, "hash": "0x" + f"{self.block:064x}",
                            "timestamp": self.GENESIS + 12 * self.block})
        return self.block

    def _hash(self) -> str:
        self._n += 1
        return "0x" + f"{self._n:064x}"

    def pay_ether(self, sender: str, receiver: str, value: int, status: int = 1) -> str:
        tx = self._hash()
        self.txs.append({"hash": tx, "block_number": self.block, "transaction_index": len(self.txs),
                         "from_address": sender, "to_address": receiver, "value": value,
                         "nonce": 0, "gas": 21000, "gas_price": 1, "input": "0x"})
        self.receipts.append({"transaction_hash": tx, "block_number": self.block, "status": status})
        return tx

    def pay_token(self, token: str, sender: str, receiver: str, value: int) -> tuple[str, int]:
        tx = self._hash()
        self.txs.append({"hash": tx, "block_number": self.block, "transaction_index": len(self.txs),
                         "from_address": sender, "to_address": token, "value": 0,
                         "nonce": 0, "gas": 60000, "gas_price": 1, "input": "0xa9059cbb"})
        self.receipts.append({"transaction_hash": tx, "block_number": self.block, "status": 1})
        log_index = self._log
        self._log += 1
        self.token_transfers.append({"token_address": token, "from_address": sender,
                                     "to_address": receiver, "value": value,
                                     "transaction_hash": tx, "log_index": log_index,
                                     "block_number": self.block})
        return tx, log_index

    def call(self, sender: str, contract: str, value: int = 0) -> str:
        """A transaction calling a contract (its root trace), for internal transfers and token legs."""
        tx = self.pay_ether(sender, contract, value)
        self.traces.append({"transaction_hash": tx, "block_number": self.block, "from_address": sender,
                            "to_address": contract, "value": value, "trace_type": "call", "call_type": "call",
                            "trace_address": "", "status": 1})
        return tx

    def pay_internal(self, tx: str, sender: str, receiver: str, value: int, trace_address: str = "0") -> None:
        """Ether a contract pays inside transaction `tx` (an ethereum-etl trace)."""
        self.traces.append({"transaction_hash": tx, "block_number": self.block, "from_address": sender,
                            "to_address": receiver, "value": value, "trace_type": "call", "call_type": "call",
                            "trace_address": trace_address, "status": 1})

    def log_token(self, tx: str, token: str, sender: str, receiver: str, value: int) -> int:
        """A token Transfer logged inside transaction `tx` (a swap's legs)."""
        log_index = self._log
        self._log += 1
        self.token_transfers.append({"token_address": token, "from_address": sender, "to_address": receiver,
                                     "value": value, "transaction_hash": tx, "log_index": log_index,
                                     "block_number": self.block})
        return log_index

    def write(self) -> Path:
        write_csv(self.folder / "blocks.csv", BLOCK_COLUMNS, self.blocks)
        write_csv(self.folder / "transactions.csv", TX_COLUMNS, self.txs)
        write_csv(self.folder / "token_transfers.csv", TT_COLUMNS, self.token_transfers)
        write_csv(self.folder / "receipts.csv", RECEIPT_COLUMNS, self.receipts)
        if self.traces:
            write_csv(self.folder / "traces.csv", TRACE_COLUMNS, self.traces)
        return self.folder


@pytest.fixture
def mini_chain(tmp_path) -> MiniChain:
    return MiniChain(tmp_path / "mini")


CHAIN_DATA_TABLES = ("transfers", "transfers_to", "blocks", "trace_runs", "trace_addresses",
                     "trace_flows", "findings")


def traced_world(folder: Path, case: str, **config) -> tuple:
    """Simulate a world, import it whole, take its case's reports and trace them over the store.
    Returns the reference outcome (trace_snapshot) of that store trace."""
    from tracers.cases import open_case
    from tracers.etl import import_etl
    from tracers.intake import import_reports
    from tracers.simulate import SimulationConfig, simulate
    from tracers.tags import import_tag_files
    from tracers.trace import trace_case

    simulate(folder / "world", SimulationConfig(**config))
    con = connect(folder / "full.duckdb")
    try:
        import_etl(con, folder / "world")
        assert import_tag_files(con, [folder / "world" / "tags.csv"]).ok
        open_case(con, case)
        import_reports(con, case, folder / "world" / "reports.csv")
        return trace_snapshot(con, trace_case(con, case).run_id)
    finally:
        con.close()


def forget_chain_data(con) -> None:
    """What an analyst's store holds before a live trace: tags, cases, reports, seeds; no chain."""
    for table in CHAIN_DATA_TABLES:
        con.execute(f"DELETE FROM {table}")


def trace_snapshot(con, run_id):
    """A trace run's roles and flows, comparable across runs and stores."""
    roles = con.execute(
        "SELECT address, role, subrole FROM trace_addresses WHERE run_id = ? ORDER BY ALL", [run_id]
    ).fetchall()
    flows = con.execute(
        "SELECT tx_hash, kind, position, CAST(traced_amount AS VARCHAR) FROM trace_flows "
        "WHERE run_id = ? ORDER BY ALL", [run_id]).fetchall()
    return roles, flows


def live_world(folder: Path, case: str, **config) -> tuple:
    """A simulated world, the store trace of its case (the reference), and folder/empty.duckdb: the
    analyst's store before any live fetch (tags, the case and its reports, no chain data).
    Returns (folder, reference, fakes.world.World)."""
    import shutil

    from fakes.world import World

    reference = traced_world(folder, case, **config)
    con = connect(folder / "full.duckdb")
    forget_chain_data(con)
    con.close()
    shutil.copy(folder / "full.duckdb", folder / "empty.duckdb")
    return folder, reference, World.load(folder / "world")
