"""A JSON-RPC node on 127.0.0.1 that answers from recordings: ethereum-etl's recorded replies and
exported rows, or logs built by a test. For testing the rpc source over real HTTP without a node.

    node = ReplayNode()
    node.add_recordings(ETL / "test_export_token_transfers_job" / "block_with_transfers")
    node.add_stream_export(ETL / "test_stream" / "blocks_17173049_17173050")
    with node.serve() as url:
        RpcSource.from_url(url, "ethereum").fetch(...)

What it answers:
- a call whose ethereum-etl file name (`web3_response.<method>_<params>.json`, named as in
  ethereum-etl's MockWeb3Provider) was recorded: the recorded result. A recorded
  `eth_getBlockByNumber_<n>_true` also answers `<n>, false` (the transactions as hashes).
- `eth_getLogs`: filtered like a node does (block range, address, topics with None and OR-lists)
  from every log it holds: recorded `eth_getFilterLogs` results, a stream export's
  `expected_logs.json` (turned back into RPC form), and logs a test adds.
- `eth_getBlockByNumber`, `eth_getTransactionReceipt`: from a stream export's expected_blocks.json
  and expected_transactions.json (their receipt_* columns), turned back into RPC form.
- `eth_chainId` (1), `eth_blockNumber` (the newest block it knows, or `head`).
- `eth_call`: what a test put in `contracts` (address -> calldata -> result), else "execution
  reverted".
- anything else (ots_*, trace_*): JSON-RPC error -32601, as a node without those APIs.
Batches are answered item by item. Knobs for tests: `max_log_range` with `refusal` (how a node
says no to a long eth_getLogs range), `faults` (HTTP 429/5xx/413, truncated JSON, a slow reply,
consumed one per HTTP request), and the record of every call and eth_getLogs range answered.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REFUSALS = {
    "results": {"code": -32005, "message": "query returned more than 10000 results"},
    "range": {"code": -32602, "message": "block range is too large"},
    "limit": {"code": -32005, "message": "limit exceeded"},
}


@dataclass(frozen=True)
class Fault:
    """What the next HTTP request gets instead of an answer."""

    status: int = 200  # 429, 503, 413 ...
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None  # e.g. a truncated reply
    delay: float = 0.0  # seconds before answering (a timeout test)


def build_file_name(method: str, params: list) -> str:
    """ethereum-etl's name for a recorded reply (tests/ethereumetl/job/mock_web3_provider.py)."""
    return "web3_response." + method + "_" + "_".join(_param(p) for p in params) + ".json"


def _param(param: Any) -> str:
    if isinstance(param, dict):
        return "_".join(f"{key}_{_param(param[key])}" for key in sorted(param))
    if isinstance(param, list):
        return "_".join(_param(p) for p in param)
    return str(param).lower()


@dataclass
class ReplayNode:
    chain_id: int = 1
    head: int | None = None
    max_log_range: int | None = None
    refusal: str = "results"  # a REFUSALS key, or "413"
    recordings: dict[str, Any] = field(default_factory=dict)
    logs: list[dict] = field(default_factory=list)
    blocks: dict[int, dict] = field(default_factory=dict)  # number -> full block (RPC form)
    receipts: dict[str, dict] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    unsupported: set[str] = field(default_factory=set)  # methods answered with -32601 anyway
    contracts: dict[str, dict[str, str]] = field(default_factory=dict)  # eth_call: address -> data -> result
    calls: list[tuple[str, list]] = field(default_factory=list)
    log_ranges: list[tuple[int, int]] = field(default_factory=list)  # eth_getLogs ranges answered
    http_requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- loading -------------------------------------------------------------------------------

    def add_recordings(self, folder: Path) -> ReplayNode:
        for path in sorted(Path(folder).glob("web3_response.*.json")):
            result = json.loads(path.read_text())["result"]
            self.recordings[path.name] = result
            if path.name.startswith("web3_response.eth_getFilterLogs_"):
                self.logs.extend(result)
        return self

    def add_stream_export(self, folder: Path) -> ReplayNode:
        """ethereum-etl's streamed rows (expected_*.json) turned back into what a node sends."""
        folder = Path(folder)
        self.logs.extend(rpc_log(row) for row in _jsonl(folder / "expected_logs.json"))
        txs = _jsonl(folder / "expected_transactions.json")
        for row in _jsonl(folder / "expected_blocks.json"):
            mine = sorted((t for t in txs if t["block_number"] == row["number"]),
                          key=lambda t: t["transaction_index"])
            self.blocks[row["number"]] = {
                "number": hex(row["number"]), "hash": row["hash"], "parentHash": row["parent_hash"],
                "timestamp": hex(row["timestamp"]), "miner": row["miner"],
                "transactions": [rpc_transaction(t) for t in mine],
            }
        for t in txs:
            self.receipts[t["hash"]] = {
                "transactionHash": t["hash"], "transactionIndex": hex(t["transaction_index"]),
                "blockHash": t["block_hash"], "blockNumber": hex(t["block_number"]),
                "from": t["from_address"], "to": t["to_address"],
                "contractAddress": t.get("receipt_contract_address"),
                "status": hex(t["receipt_status"]), "gasUsed": hex(t["receipt_gas_used"]),
                "logs": [log for log in self.logs if log["transactionHash"] == t["hash"]],
            }
        return self

    # -- serving -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def serve(self, path: str = "/") -> Iterator[str]:
        """The node's URL while the block runs (a thread serving 127.0.0.1 on a free port)."""
        node = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: one connection for a whole test
            disable_nagle_algorithm = True  # headers and body go out as two writes

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers, reply = node.answer(body)
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}{path}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    def answer(self, body: bytes) -> tuple[int, tuple[tuple[str, str], ...], bytes]:
        with self._lock:
            self.http_requests += 1
            fault = self.faults.pop(0) if self.faults else None
        if fault is not None:
            time.sleep(fault.delay)
            if fault.status != 200 or fault.body is not None:
                return fault.status, fault.headers, fault.body if fault.body is not None else b"{}"
        request = json.loads(body)
        if isinstance(request, list):
            replies = [self._one(r) for r in request]
            if self.refusal == "413" and any(r is None for r in replies):
                return 413, (), b"Payload Too Large"
            return 200, (), json.dumps(replies).encode()
        reply = self._one(request)
        if reply is None:
            return 413, (), b"Payload Too Large"
        return 200, (), json.dumps(reply).encode()

    # -- answering -----------------------------------------------------------------------------

    def _one(self, request: dict) -> dict | None:
        method, params, rid = request["method"], request.get("params") or [], request.get("id")
        with self._lock:
            self.calls.append((method, params))
        try:
            result = self._result(method, params)
        except _Refused as refused:
            if refused.error is None:
                return None  # HTTP 413 for the whole request
            return {"jsonrpc": "2.0", "id": rid, "error": refused.error}
        return {"jsonrpc": "2.0", "id": rid, "result": result}

    def _result(self, method: str, params: list) -> Any:
        name = build_file_name(method, params)
        if method in self.unsupported:
            raise _Refused({"code": -32601, "message": f"the method {method} does not exist/is not available"})
        if name in self.recordings:
            return self.recordings[name]
        if method == "eth_chainId":
            return hex(self.chain_id)
        if method == "eth_blockNumber":
            return hex(self._head())
        if method == "eth_getLogs":
            return self._get_logs(params[0])
        if method == "eth_getBlockByNumber":
            return self._block(int(params[0], 16), bool(params[1]))
        if method == "eth_getTransactionReceipt":
            return self.receipts.get(params[0].lower())
        if method == "eth_call" and params[0]["data"] in self.contracts.get(params[0]["to"].lower(), {}):
            return self.contracts[params[0]["to"].lower()][params[0]["data"]]
        if method == "eth_call":
            raise _Refused({"code": 3, "message": "execution reverted"})
        raise _Refused({"code": -32601, "message": f"the method {method} does not exist/is not available"})

    def _head(self) -> int:
        if self.head is not None:
            return self.head
        known = [int(log["blockNumber"], 16) for log in self.logs] + list(self.blocks)
        return max(known, default=0)

    def _block(self, number: int, full: bool) -> dict | None:
        block = self.blocks.get(number)
        if block is None:
            recorded = self.recordings.get(build_file_name("eth_getBlockByNumber", [hex(number), True]))
            block = recorded
        if block is None or full:
            return block
        return dict(block, transactions=[t["hash"] for t in block["transactions"]])

    def _get_logs(self, query: dict) -> list[dict]:
        low, high = int(query.get("fromBlock", "0x0"), 16), int(query.get("toBlock", hex(self._head())), 16)
        if self.max_log_range is not None and high - low + 1 > self.max_log_range:
            raise _Refused(REFUSALS.get(self.refusal))
        with self._lock:
            self.log_ranges.append((low, high))
        addresses = query.get("address")
        if isinstance(addresses, str):
            addresses = [addresses]
        wanted = {a.lower() for a in addresses} if addresses else None
        topics = query.get("topics") or []
        found = []
        for log in self.logs:
            if not low <= int(log["blockNumber"], 16) <= high:
                continue
            if wanted is not None and log["address"].lower() not in wanted:
                continue
            if _topics_match(topics, [t.lower() for t in log["topics"]]):
                found.append(log)
        return sorted(found, key=lambda g: (int(g["blockNumber"], 16), int(g["logIndex"], 16)))


class _Refused(Exception):
    def __init__(self, error: dict | None):
        super().__init__(str(error))
        self.error = error


def _topics_match(wanted: list, topics: list[str]) -> bool:
    for i, option in enumerate(wanted):
        if option is None:
            continue
        if i >= len(topics):
            return False
        options = option if isinstance(option, list) else [option]
        if topics[i] not in {o.lower() for o in options}:
            return False
    return True


def rpc_log(row: dict) -> dict:
    """An ethereum-etl log row as a node sends it."""
    return {
        "address": row["address"], "topics": row["topics"], "data": row["data"],
        "blockNumber": hex(row["block_number"]), "blockHash": row.get("block_hash"),
        "transactionHash": row["transaction_hash"], "transactionIndex": hex(row["transaction_index"]),
        "logIndex": hex(row["log_index"]), "removed": False,
    }


def rpc_transaction(row: dict) -> dict:
    """An ethereum-etl transaction row as a node sends it inside a full block."""
    return {
        "hash": row["hash"], "nonce": hex(row["nonce"]), "blockHash": row["block_hash"],
        "blockNumber": hex(row["block_number"]), "transactionIndex": hex(row["transaction_index"]),
        "from": row["from_address"], "to": row["to_address"], "value": hex(int(row["value"])),
        "gas": hex(row["gas"]), "gasPrice": hex(row["gas_price"]), "input": row["input"],
    }


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
