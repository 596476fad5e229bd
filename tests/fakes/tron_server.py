"""A local TronGrid v1 that answers TRC-20 transfers from an (Ethereum) World, as if on Tron.

    with TronServer(world, api_key="K", faults=Faults(share=0.2)) as server:
        TronGridSource(server.url, "K", session=..., ...)

Every EVM address of the world becomes the Tron address of the same 20 bytes
(`tron_hex_to_base58`); the world's real USDT contract (0xdac17f95...) becomes USDT-TRC20,
TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t. Block timestamps become milliseconds; tx hashes lose 0x.

`GET /v1/accounts/{address}/transactions/trc20`: limit (at most 200), only_confirmed,
min_timestamp / max_timestamp (both included), contract_address, order_by (newest first unless
`block_timestamp,asc`), fingerprint paging through `meta.fingerprint` (opaque, here an offset into
the query's stable result list), `{"success": true, "data": [...], "meta": {...}}`. The key is
checked in the TRON-PRO-API-KEY header when the server has one. `/wallet/getnowblock` and
`/walletsolidity/getnowblock` answer the world's newest block.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import base58

from fakes.world import FakeServer, Faults, World
from tracers.chains import tron_hex_to_base58

USDT_ETHEREUM = "0xdac17f958d2ee523a2206206994597c13d831ec7"
USDT_TRON = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
MAX_LIMIT = 200


def tron_of(evm_address: str) -> str:
    """The Tron address standing for a world's EVM address."""
    if evm_address == USDT_ETHEREUM:
        return USDT_TRON
    return tron_hex_to_base58(evm_address)


def evm_of(tron_address: str) -> str | None:
    """The world's EVM address behind a Tron address, or None when it does not decode."""
    if tron_address == USDT_TRON:
        return USDT_ETHEREUM
    try:
        if tron_address.startswith("41") and len(tron_address) == 42:
            return "0x" + tron_address[2:].lower()
        payload = base58.b58decode_check(tron_address)
    except ValueError:
        return None
    return "0x" + payload[1:].hex() if len(payload) == 21 and payload[0] == 0x41 else None


class TronServer(FakeServer):
    def __init__(self, world: World, *, api_key: str | None = None, faults: Faults | None = None):
        super().__init__(faults)
        self.world = world
        self.api_key = api_key

    def reply(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        if self.api_key is not None and headers.get("TRON-PRO-API-KEY") != self.api_key:
            return 401, {"success": False, "error": "ApiKey not exists", "statusCode": 401}
        if path in ("/wallet/getnowblock", "/walletsolidity/getnowblock"):
            head = self.world.head
            return 200, {"blockID": f"{head:016x}" + "0" * 48,
                         "block_header": {"raw_data": {"number": head,
                                                       "timestamp": self.world.block_time(head) * 1000}}}
        parts = path.strip("/").split("/")
        if len(parts) != 5 or parts[:2] != ["v1", "accounts"] or parts[3:] != ["transactions", "trc20"]:
            return 404, {"success": False, "error": "Not Found", "statusCode": 404}
        address = evm_of(parts[2])
        if address is None:
            return 400, {"success": False, "error": f"Invalid address provided: {parts[2]}",
                         "statusCode": 400}
        return 200, self._page(address, params)

    def _page(self, address: str, params: dict[str, str]) -> dict[str, Any]:
        limit = min(int(params.get("limit") or 20), MAX_LIMIT)
        low = int(params.get("min_timestamp") or 0)
        high = int(params.get("max_timestamp") or 2**63)
        contract = params.get("contract_address")
        items = [self._item(r) for r in self.world.transfers_of(address)]
        items = [i for i in items if low <= i["block_timestamp"] <= high
                 and (not contract or i["token_info"]["address"] == contract)]
        if params.get("order_by") != "block_timestamp,asc":
            items = items[::-1]  # TronGrid: newest first
        offset = _offset(params.get("fingerprint"))
        page = items[offset: offset + limit]
        meta: dict[str, Any] = {"at": int(time.time() * 1000), "page_size": len(page)}
        if offset + limit < len(items):
            meta["fingerprint"] = _fingerprint(offset + limit)
            meta["links"] = {"next": f"/v1/accounts/...?fingerprint={meta['fingerprint']}"}
        return {"data": page, "success": True, "meta": meta}

    def _item(self, row: dict) -> dict[str, Any]:
        token = self.world.tokens.get(row["token_address"], {})
        return {"transaction_id": row["transaction_hash"].removeprefix("0x"),
                "token_info": {"symbol": token.get("symbol", ""), "address": tron_of(row["token_address"]),
                               "decimals": int(token.get("decimals") or 0), "name": token.get("name", "")},
                "block_timestamp": self.world.block_time(int(row["block_number"])) * 1000,
                "from": tron_of(row["from_address"]), "to": tron_of(row["to_address"]),
                "type": "Transfer", "value": row["value"]}


def _fingerprint(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def _offset(fingerprint: str | None) -> int:
    if not fingerprint:
        return 0
    return int(json.loads(base64.urlsafe_b64decode(fingerprint.encode()))["o"])
