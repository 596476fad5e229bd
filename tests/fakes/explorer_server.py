"""A local Etherscan API v2 (and Blockscout-style /api) that answers from a World.

    with ExplorerServer(world, api_key="K", faults=Faults(share=0.2)) as server:
        ExplorerSource(server.url + "/v2/api", "K", session=..., ...)

Answers `account` txlist / tokentx / txlistinternal and `proxy` eth_blockNumber (Blockscout:
`block` eth_block_number) in the real reply
format: the {status, message, result} envelope, every value a string, at most 1,000 records per
request (offset), sorted by block (asc or desc), startblock/endblock/page honoured, page x offset
capped at 10,000, "No transactions found" as status "0" with an empty list, "Invalid API Key" when
the key is wrong. Faults: those of tests.fakes.world plus "ratelimit" (HTTP 200 with
{"status":"0","message":"NOTOK","result":"Max rate limit reached"}, as Etherscan throttles).
"""

from __future__ import annotations

from typing import Any

from fakes.world import FakeServer, Faults, World

MAX_OFFSET = 1000
WINDOW = 10_000


class ExplorerServer(FakeServer):
    def __init__(self, world: World, *, chain_id: int = 1, api_key: str | None = None,
                 faults: Faults | None = None, log_index: bool = True):
        super().__init__(faults)
        self.world = world
        self.chain_id = chain_id
        self.api_key = api_key
        self.log_index = log_index  # include logIndex in tokentx records

    def reply(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        if path not in ("/v2/api", "/api"):
            return 404, {"error": "Not Found"}
        if path == "/v2/api" and params.get("chainid") != str(self.chain_id):
            return 200, _error("Missing or unsupported chainid parameter (required for v2 api)")
        if self.api_key is not None and params.get("apikey") != self.api_key:
            return 200, _error("Invalid API Key")
        module, action = params.get("module"), params.get("action")
        if (module, action) in (("proxy", "eth_blockNumber"), ("block", "eth_block_number")):
            return 200, {"jsonrpc": "2.0", "id": 83, "result": hex(self.world.head)}
        if module != "account" or action not in ("txlist", "tokentx", "txlistinternal"):
            return 200, _error("Error! Missing Or invalid Module name")
        address = (params.get("address") or "").lower()
        if len(address) != 42 or not address.startswith("0x"):
            return 200, _error("Error! Invalid address format")
        start = int(params.get("startblock") or 0)
        end = int(params.get("endblock") or 99_999_999)
        page = int(params.get("page") or 1)
        offset = min(int(params.get("offset") or MAX_OFFSET), MAX_OFFSET)
        if page * offset > WINDOW:
            return 200, _error("Result window is too large, PageNo x Offset size must be less than "
                               "or equal to 10000")
        rows = {"txlist": self.world.txs_of, "tokentx": self.world.transfers_of,
                "txlistinternal": self.world.internals_of}[action](address)
        rows = [r for r in rows if start <= int(r["block_number"]) <= end]
        if params.get("sort") == "desc":
            rows = rows[::-1]
        rows = rows[(page - 1) * offset: page * offset]
        if not rows:
            return 200, {"status": "0", "message": "No transactions found", "result": []}
        render = {"txlist": self._tx, "tokentx": self._token, "txlistinternal": self._internal}[action]
        return 200, {"status": "1", "message": "OK", "result": [render(r) for r in rows]}

    def fault_reply(self, fault: str) -> tuple[int, Any]:
        if fault == "ratelimit":
            return 200, _error("Max rate limit reached")
        return super().fault_reply(fault)

    # -- records in Etherscan's field names, all strings ---------------------------------------

    def _common(self, block: int) -> dict[str, str]:
        return {"blockNumber": str(block), "timeStamp": str(self.world.block_time(block)),
                "blockHash": self.world.block_hashes.get(block, "0x" + f"{block:064x}"),
                "confirmations": str(self.world.head - block + 1)}

    def _tx(self, tx: dict) -> dict[str, str]:
        block = int(tx["block_number"])
        return {**self._common(block), "hash": tx["hash"], "nonce": tx.get("nonce") or "0",
                "transactionIndex": tx["transaction_index"], "from": tx["from_address"],
                "to": tx["to_address"], "value": tx["value"], "gas": tx.get("gas") or "21000",
                "gasPrice": tx.get("gas_price") or "0", "isError": "1" if tx["failed"] else "0",
                "txreceipt_status": "0" if tx["failed"] else "1", "input": tx.get("input") or "0x",
                "contractAddress": "", "cumulativeGasUsed": "21000", "gasUsed": "21000",
                "methodId": (tx.get("input") or "0x")[:10], "functionName": ""}

    def _token(self, row: dict) -> dict[str, str]:
        block = int(row["block_number"])
        tx = self.world.tx_by_hash.get(row["transaction_hash"], {})
        token = self.world.tokens.get(row["token_address"], {})
        record = {**self._common(block), "hash": row["transaction_hash"], "nonce": tx.get("nonce") or "0",
                  "from": row["from_address"], "contractAddress": row["token_address"],
                  "to": row["to_address"], "value": row["value"], "tokenName": token.get("name", ""),
                  "tokenSymbol": token.get("symbol", ""), "tokenDecimal": token.get("decimals", ""),
                  "transactionIndex": str(self.world.tx_index(row)), "gas": tx.get("gas") or "60000",
                  "gasPrice": tx.get("gas_price") or "0", "gasUsed": "50000",
                  "cumulativeGasUsed": "50000", "input": "deprecated", "methodId": "0xa9059cbb",
                  "functionName": "transfer(address _to, uint256 _value)"}
        if self.log_index:
            record["logIndex"] = row["log_index"]
        return record

    def _internal(self, row: dict) -> dict[str, str]:
        block = int(row["block_number"])
        common = self._common(block)
        return {"blockNumber": common["blockNumber"], "timeStamp": common["timeStamp"],
                "hash": row["transaction_hash"], "from": row["from_address"], "to": row["to_address"],
                "value": row["value"], "contractAddress": "", "input": "", "type": "call",
                "gas": "2300", "gasUsed": "0",
                "traceId": "_".join(p for p in row["trace_address"].split(",") if p),
                "isError": "0", "errCode": ""}


def _error(text: str) -> dict[str, Any]:
    return {"status": "0", "message": "NOTOK", "result": text}
