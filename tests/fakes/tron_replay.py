"""A local TronGrid v1 that answers TRC-20 transfers from real recorded replies, for testing the
TronGrid source over HTTP on what TronGrid really sends (tests/resources/trongrid-ledger-live/).

    with TronReplay({address: recorded_reply}) as server:
        TronGridSource(server.url, session=...).fetch("tron", address, 0, through)

`GET /v1/accounts/{address}/transactions/trc20` answers from the address's recorded reply:
- the recorded items kept by `min_timestamp` / `max_timestamp` (both included) and
  `contract_address`, in the recorded order (newest first, as TronGrid);
- `only_confirmed` is accepted and filters nothing (the recorded transfers are all long confirmed);
- a query that keeps every item and fits in one page (`limit`, at most 200) gets the recorded
  reply itself, unchanged;
- otherwise the kept items are cut into pages of `limit`, each with TronGrid's `meta`
  (`at`, `page_size`, and `fingerprint` + `links.next` while items remain). The fingerprint is
  opaque, here the offset into the kept items, so a small `limit` tests paging on real items;
- any other query parameter is refused with HTTP 400, so a parameter the source starts sending
  cannot be silently ignored by these tests.
An address without a recording answers an empty list, as TronGrid does for an address with no
transfers. Other paths: 404. `ScriptedFaults` makes given requests fail in a given order (a 429
with Retry-After, a 500, a truncated body), to test retries on exact requests.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from fakes.world import FakeServer, Faults

MAX_LIMIT = 200
KNOWN_PARAMS = {"limit", "only_confirmed", "min_timestamp", "max_timestamp", "contract_address",
                "fingerprint"}


@dataclass
class ScriptedFaults(Faults):
    """The n-th request gets `script[n]` ("429", "500", "truncated", "timeout" or None); later
    requests are answered normally."""

    script: tuple[str | None, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        self._left = list(self.script)

    def draw(self) -> str | None:
        with self._lock:
            return self._left.pop(0) if self._left else None


class TronReplay(FakeServer):
    def __init__(self, trc20: dict[str, dict[str, Any]], *, faults: Faults | None = None):
        super().__init__(faults)
        self.trc20 = trc20  # address -> recorded reply of /v1/accounts/{address}/transactions/trc20
        # Stop within 50 ms rather than serve_forever's default 0.5 s: these tests start many servers.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def reply(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if len(parts) != 5 or parts[:2] != ["v1", "accounts"] or parts[3:] != ["transactions", "trc20"]:
            return 404, {"success": False, "error": "Not Found", "statusCode": 404}
        unknown = sorted(set(params) - KNOWN_PARAMS)
        if unknown:
            return 400, {"success": False, "statusCode": 400,
                         "error": f"the replay does not honour {', '.join(unknown)}: teach tron_replay.py"}
        return 200, self._page(parts[2], params)

    def _page(self, address: str, params: dict[str, str]) -> dict[str, Any]:
        recorded = self.trc20.get(address) or {"data": [], "success": True, "meta": {"at": 0}}
        limit = min(int(params.get("limit") or 20), MAX_LIMIT)
        low = int(params.get("min_timestamp") or 0)
        high = int(params.get("max_timestamp") or 2**63)
        contract = params.get("contract_address")
        items = [i for i in recorded["data"] if low <= i["block_timestamp"] <= high
                 and (not contract or i["token_info"]["address"] == contract)]
        offset = _offset(params.get("fingerprint"))
        if offset == 0 and items == recorded["data"] and len(items) <= limit:
            return recorded
        page = items[offset: offset + limit]
        meta: dict[str, Any] = {"at": recorded["meta"]["at"], "page_size": len(page)}
        if offset + limit < len(items):
            meta["fingerprint"] = json.dumps({"offset": offset + limit}).encode().hex()
            meta["links"] = {"next": f"/v1/accounts/{address}/transactions/trc20?limit={limit}"
                                     f"&fingerprint={meta['fingerprint']}"}
        return {"data": page, "success": True, "meta": meta}


def _offset(fingerprint: str | None) -> int:
    if not fingerprint:
        return 0
    return int(json.loads(bytes.fromhex(fingerprint))["offset"])
