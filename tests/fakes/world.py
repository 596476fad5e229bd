"""An ethereum-etl world folder held in memory, indexed by address, and what the fake explorer and
TronGrid servers share: fault injection, request recording, serving in a thread.

    world = World.load(folder)          # transactions, receipts, token_transfers, tokens, blocks
    world.txs_of(address)               # rows where the address is sender or receiver, in order
    world.expected_transfers(address)   # the Transfers a source should return, straight from CSV

The expected rows are built here from the CSV files directly (not through the sources' mappers),
so the tests compare two independent readings of the same world.
"""

from __future__ import annotations

import csv
import json
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tracers.domain import Transfer


@dataclass
class World:
    folder: Path
    block_times: dict[int, int]  # block number -> unix seconds
    block_hashes: dict[int, str]
    txs: list[dict]  # transactions.csv rows, with "failed" (bool) from the receipts
    transfers: list[dict]  # token_transfers.csv rows
    internals: list[dict]  # traces.csv rows that moved ether (optional file)
    tokens: dict[str, dict]  # tokens.csv rows by lowercase address
    tx_by_hash: dict[str, dict] = field(default_factory=dict)
    _txs_of: dict[str, list[dict]] = field(default_factory=dict)
    _transfers_of: dict[str, list[dict]] = field(default_factory=dict)
    _internals_of: dict[str, list[dict]] = field(default_factory=dict)
    _head: int | None = None

    @classmethod
    def load(cls, folder: Path) -> World:
        folder = Path(folder)
        times: dict[int, int] = {}
        hashes: dict[int, str] = {}
        for row in _rows(folder / "blocks.csv"):
            number = int(row["number"])
            times[number] = int(row["timestamp"])
            hashes[number] = row.get("hash") or "0x" + f"{number:064x}"
        failed = {r["transaction_hash"] for r in _rows(folder / "receipts.csv") if r.get("status") == "0"}
        txs = [dict(r, failed=r["hash"] in failed) for r in _rows(folder / "transactions.csv")]
        transfers = list(_rows(folder / "token_transfers.csv"))
        internals = [r for r in _rows(folder / "traces.csv") if _moves_ether(r)]
        tokens = {r["address"].lower(): r for r in _rows(folder / "tokens.csv")}
        world = cls(folder, times, hashes, txs, transfers, internals, tokens)
        world._index()
        return world

    def _index(self) -> None:
        txs_of, transfers_of, internals_of = defaultdict(list), defaultdict(list), defaultdict(list)
        for tx in self.txs:
            self.tx_by_hash[tx["hash"]] = tx
            for address in {tx["from_address"], tx["to_address"]} - {""}:
                txs_of[address].append(tx)
        for row in self.transfers:
            for address in {row["from_address"], row["to_address"]} - {""}:
                transfers_of[address].append(row)
        for row in self.internals:
            for address in {row["from_address"], row["to_address"]} - {""}:
                internals_of[address].append(row)
        key_tx = lambda r: (int(r["block_number"]), int(r["transaction_index"] or 0))  # noqa: E731
        self._txs_of = {a: sorted(rows, key=key_tx) for a, rows in txs_of.items()}
        self._transfers_of = {a: sorted(rows, key=lambda r: (int(r["block_number"]), int(r["log_index"])))
                              for a, rows in transfers_of.items()}
        self._internals_of = {a: sorted(rows, key=lambda r: (int(r["block_number"]), self.tx_index(r),
                                                            _trace_key(r["trace_address"])))
                              for a, rows in internals_of.items()}

    # -- questions the servers ask -------------------------------------------------------------

    @property
    def head(self) -> int:
        if self._head is None:
            self._head = max(self.block_times)
        return self._head

    def block_time(self, number: int) -> int:
        return self.block_times[number]

    def tx_index(self, row: dict) -> int:
        tx = self.tx_by_hash.get(row.get("transaction_hash") or row.get("hash"))
        return int(tx["transaction_index"]) if tx and tx.get("transaction_index") else 0

    def txs_of(self, address: str) -> list[dict]:
        return self._txs_of.get(address, [])

    def transfers_of(self, address: str) -> list[dict]:
        return self._transfers_of.get(address, [])

    def internals_of(self, address: str) -> list[dict]:
        return self._internals_of.get(address, [])

    def busiest(self, n: int = 1) -> list[str]:
        """The addresses with the most records (transactions + token transfers), most first."""
        counts = {a: len(rows) for a, rows in self._txs_of.items()}
        for a, rows in self._transfers_of.items():
            counts[a] = counts.get(a, 0) + len(rows)
        return sorted(counts, key=lambda a: (-counts[a], a))[:n]

    # -- what a source should return, read from the CSV rows -----------------------------------

    def expected_transfers(self, address: str, first: int = 0, last: int | None = None) -> set[Transfer]:
        """Native, internal and token transfers of the address in blocks first..last (EVM view)."""
        last = self.head if last is None else last
        out: set[Transfer] = set()
        for tx in self.txs_of(address):
            block = int(tx["block_number"])
            if first <= block <= last and not tx["failed"] and int(tx["value"]) > 0:
                out.add(Transfer("ethereum", "native", "native", tx["hash"], 0, block,
                                 int(tx["transaction_index"]), self._utc(block), tx["from_address"],
                                 tx["to_address"], int(tx["value"])))
        for row in self.transfers_of(address):
            block = int(row["block_number"])
            if first <= block <= last:
                out.add(Transfer("ethereum", row["token_address"], "token", row["transaction_hash"],
                                 int(row["log_index"]), block, self.tx_index(row), self._utc(block),
                                 row["from_address"], row["to_address"], int(row["value"])))
        for row in self.internals_of(address):
            block = int(row["block_number"])
            if first <= block <= last:
                out.add(Transfer("ethereum", "native", "internal", row["transaction_hash"],
                                 _position(row["trace_address"]), block, None, self._utc(block),
                                 row["from_address"], row["to_address"], int(row["value"])))
        return out

    def expected_failed(self, address: str) -> set[str]:
        return {tx["hash"] for tx in self.txs_of(address) if tx["failed"]}

    def _utc(self, block: int) -> datetime:
        return datetime.fromtimestamp(self.block_times[block], UTC)


def _rows(path: Path):
    if not path.is_file():
        return
    with path.open(newline="") as handle:
        yield from csv.DictReader(handle)


def _moves_ether(row: dict) -> bool:
    return (row.get("value") or "0") not in ("0", "") and row.get("status", "1") != "0" \
        and bool(row.get("trace_address"))


def _trace_key(trace_address: str) -> tuple[int, ...]:
    return tuple(int(p) for p in trace_address.split(",") if p != "")


def _position(trace_address: str) -> int:
    """The same rule as tracers.sources.explorer.trace_position, written out for these tests."""
    path = _trace_key(trace_address)
    digits = [i + 1 for i in path] + [0] * (3 - len(path))
    return digits[0] * 1_000_000 + digits[1] * 1_000 + digits[2]


# -- fault injection and request recording -----------------------------------------------------

FAULTS = ("429", "500", "timeout", "truncated")


@dataclass
class Faults:
    """Which share of requests fail, and how; the same seed fails the same requests in order."""

    share: float = 0.0
    seed: int = 1
    kinds: tuple[str, ...] = FAULTS
    retry_after: float = 0.05  # seconds, in the 429's Retry-After header
    stall: float = 1.0  # seconds a "timeout" answer sleeps (longer than the client's timeout)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def draw(self) -> str | None:
        with self._lock:
            if self.share and self._rng.random() < self.share:
                return self._rng.choice(self.kinds)
            return None


@dataclass(frozen=True)
class Recorded:
    at: float  # time.monotonic() when the request arrived
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    fault: str | None


class FakeServer:
    """A ThreadingHTTPServer on 127.0.0.1 in a daemon thread; subclasses answer `reply(path, params)`
    with (status, JSON-able body) and may use `self.faults`; every request is recorded."""

    def __init__(self, faults: Faults | None = None):
        self.faults = faults or Faults()
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - http.server's name
                server._handle(self)

            def log_message(self, *args):  # quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()

    def reply(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        raise NotImplementedError

    def count(self, fault: str | None = ...) -> int:
        """Requests received (all, or those that got the given fault; None: answered normally)."""
        with self._lock:
            return sum(1 for r in self.requests if fault is ... or r.fault == fault)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        headers = {k: v for k, v in handler.headers.items()}
        fault = self.faults.draw()
        with self._lock:
            self.requests.append(Recorded(time.monotonic(), parts.path, params, headers, fault))
        try:
            if fault == "429":
                self._send(handler, 429, {"error": "Too Many Requests"},
                           {"Retry-After": f"{self.faults.retry_after:g}"})
            elif fault == "500":
                self._send(handler, 500, {"error": "Internal Server Error"})
            elif fault == "timeout":
                time.sleep(self.faults.stall)
                self._send(handler, 504, {"error": "too late"})
            else:
                status, body = self.reply(parts.path, params, headers)
                if fault == "truncated":
                    data = json.dumps(body).encode()
                    self._send_bytes(handler, 200, data[: max(1, len(data) // 2)])
                elif fault is not None:
                    status, body = self.fault_reply(fault)
                    self._send(handler, status, body)
                else:
                    self._send(handler, status, body)
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): nothing to answer

    def fault_reply(self, fault: str) -> tuple[int, Any]:
        raise ValueError(f"unknown fault {fault!r}")

    def _send(self, handler, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(handler, status, json.dumps(body).encode(), headers)

    @staticmethod
    def _send_bytes(handler, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)


class FakeClock:
    """A clock that moves only when slept on: pass `clock=fake, sleep=fake.sleep` to a source."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds
