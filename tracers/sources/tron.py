"""TronGrid source: the TRC-20 transfers of a Tron address (USDT-TRC20 is the scams' main rail).

    source = TronGridSource("https://api.trongrid.io", api_key, session=requests.Session())
    result = source.fetch("tron", "T...", from_slot, through_slot)

`GET /v1/accounts/{address}/transactions/trc20?limit=200&only_confirmed=true&min_timestamp=
&max_timestamp=` (optionally `contract_address=`), the key in the `TRON-PRO-API-KEY` header,
next pages through `meta.fingerprint`. Only confirmed transfers are read.

Block numbers are slots. TronGrid's items carry a block timestamp (ms) but neither a block
number nor a log index, and asking for them costs one request per transaction
(`/wallet/gettransactioninfobyid`). Tron makes a block every 3 seconds and block timestamps sit on
that 3-second grid, so tracers uses `block_number = block_timestamp_ms // 3000` (the slot):
it orders transfers as heights do, one slot per block (a missed slot leaves a gap), and the range
of a fetch is given in slots (`from_block`, `through_block` are slots, converted to
`min_timestamp` / `max_timestamp`). Slots are not Tron block heights: never compare the two.

Positions. With no log index, a transfer's position is made from the transfer itself: the token,
from, to and amount (hashed) and its occurrence among identical transfers of the transaction
(`tracers.sources.explorer.unindexed_position`). Every address's view of a transaction then
numbers a transfer the same way; an index among the transfers one address sees would not (the
receiver's and the sender's "first transfer" of one multi-transfer transaction would collide in
the store, which keys transfers by chain, tx, kind, position, and one of them would be dropped).
The cost: positions order nothing, so transfers within one transaction, and transactions within one
slot, have no known order (tx_index is None).

`head("tron")` is the newest *confirmed* (solidified) block's slot, from `/walletsolidity/
getnowblock`: the fetch reads confirmed transfers only, and a checkpoint past the confirmed head
would skip the transfers confirmed after it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests

from tracers.chains import chain as get_chain
from tracers.chains import normalize_address, normalize_tx_hash
from tracers.domain import FetchResult, TokenInfo, Transfer
from tracers.errors import AddressError, SourceError, TransientSourceError
from tracers.redact import header_secrets, secrets_of_url, shown_url
from tracers.sources.explorer import unindexed_position
from tracers.sources.http import HttpClient, RateLimiter, Tally
from tracers.sources.retry import DEFAULT as DEFAULT_RETRY
from tracers.sources.retry import RetryPolicy

SLOT_MS = 3000  # Tron makes a block every 3 seconds
PAGE_LIMIT = 200  # TronGrid's largest page
KEY_HEADER = "TRON-PRO-API-KEY"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def slot_of(timestamp_ms: int) -> int:
    """The slot (tracers' Tron block number) of a block timestamp in milliseconds."""
    return timestamp_ms // SLOT_MS


def slot_range_ms(from_slot: int, through_slot: int) -> tuple[int, int]:
    """min_timestamp and max_timestamp (ms, both included) covering the slots."""
    return from_slot * SLOT_MS, through_slot * SLOT_MS + SLOT_MS - 1


# -- pure mappers ------------------------------------------------------------------------------


def map_trc20(item: dict[str, Any], position: int) -> tuple[Transfer, TokenInfo] | None:
    """A TronGrid trc20 item with its position: the token Transfer and token info, or None for an
    item that is not a transfer (type other than "Transfer", e.g. "Approval")."""
    if str(item.get("type", "Transfer")) != "Transfer":
        return None
    info = item.get("token_info") or {}
    asset = _address(info.get("address"), "token_info.address")
    timestamp = _uint(item.get("block_timestamp"), "block_timestamp")
    transfer = Transfer("tron", asset, "token", _tx_id(item.get("transaction_id")), position,
                        slot_of(timestamp), None, _EPOCH + timedelta(milliseconds=timestamp),
                        _address(item.get("from"), "from"), _address(item.get("to"), "to"),
                        _uint(item.get("value"), "value"))
    decimals = info.get("decimals")
    token = TokenInfo("tron", asset, _text(info.get("symbol")),
                      None if decimals in (None, "") else _uint(decimals, "token_info.decimals"),
                      _text(info.get("name")))
    return transfer, token


def map_trc20_items(items: Iterable[dict[str, Any]]) -> list[tuple[Transfer, TokenInfo]]:
    """Items mapped, each with its position (see the module docstring)."""
    mapped: list[tuple[Transfer, TokenInfo]] = []
    occurrences: dict[tuple, int] = {}
    for item in items:
        first = map_trc20(item, 0)
        if first is None:
            continue
        t, token = first
        key = (t.tx_hash, t.asset, t.from_address, t.to_address, t.amount)
        occurrence = occurrences.get(key, 0)
        occurrences[key] = occurrence + 1
        position = unindexed_position(t.asset, t.from_address, t.to_address, t.amount, occurrence)
        mapped.append((Transfer(t.chain, t.asset, t.kind, t.tx_hash, position, t.block_number, None,
                                t.block_time, t.from_address, t.to_address, t.amount), token))
    return mapped


# -- the source --------------------------------------------------------------------------------


def check_base_url(base_url: str) -> str:
    """The TronGrid base URL without a trailing slash; checked before any work, the error showing
    the URL with what may hold a key as ***."""
    url = base_url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SourceError(f"TronGrid base URL {shown_url(url)!r} must be an http:// or https:// URL "
                          "(e.g. https://api.trongrid.io); the key goes in TRACERS_TRONGRID_KEY")
    return url


class TronGridSource:
    """TRC-20 transfers of Tron addresses from TronGrid v1; see the module docstring."""

    name = "tron"

    def __init__(
        self,
        base_url: str = "https://api.trongrid.io",
        api_key: str | None = None,
        *,
        session: requests.Session,
        rate: float = 3.0,
        limiter: RateLimiter | None = None,
        contract: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        rng: random.Random | None = None,
        sleep=time.sleep,
        clock=time.monotonic,
        page_limit: int = PAGE_LIMIT,
    ):
        url = check_base_url(base_url)
        if not 1 <= page_limit <= PAGE_LIMIT:
            raise ValueError(f"page_limit must be 1..{PAGE_LIMIT}, got {page_limit}")
        self.base_url = url
        self.contract = normalize_address("tron", contract) if contract else None
        self.page_limit = page_limit
        self._headers = {"Accept": "application/json"}
        if api_key:
            self._headers[KEY_HEADER] = api_key
        self.http = HttpClient(session, name="TronGrid", rate=rate, limiter=limiter, timeout=timeout,
                               retry=retry, rng=rng, sleep=sleep, clock=clock,
                               secrets=header_secrets(self._headers) + secrets_of_url(url))

    def describe(self) -> dict:
        """This source for evidence: its URL without keys (blocks are 3-second slots)."""
        return {"source": self.name, "url": shown_url(self.base_url), "chain_id": None}

    def head(self, chain: str) -> int:
        """The slot of the newest confirmed block."""
        _check_chain(chain)
        reply = self.http.get_json(f"{self.base_url}/walletsolidity/getnowblock", headers=self._headers,
                                   check=self._check)
        try:
            timestamp = int(reply["block_header"]["raw_data"]["timestamp"])
        except (KeyError, TypeError, ValueError):
            raise SourceError(f"TronGrid answered getnowblock with {self.http.mask(str(reply))[:200]}; "
                              "expected block_header.raw_data.timestamp: check the base URL") from None
        return slot_of(timestamp)

    def fetch(self, chain: str, address: str, from_block: int, through_block: int) -> FetchResult:
        """The address's confirmed TRC-20 transfers in slots `from_block` through `through_block`."""
        _check_chain(chain)
        address = normalize_address("tron", address)
        if not 0 <= from_block <= through_block:
            raise AddressError(f"slot range {from_block}..{through_block} is empty or negative: "
                               "give from_block <= through_block, both >= 0")
        tally = Tally()
        items = self._items(address, from_block, through_block, tally)
        transfers: dict[tuple, Transfer] = {}
        tokens: dict[str, TokenInfo] = {}
        for transfer, token in map_trc20_items(items):
            if from_block <= transfer.block_number <= through_block:
                transfers.setdefault((transfer.tx_hash, transfer.position), transfer)
                tokens.setdefault(token.address, token)
        ordered = sorted(transfers.values(), key=lambda t: (t.block_number, t.tx_hash, t.position))
        return FetchResult("tron", address, self.name, from_block, through_block, tuple(ordered), (),
                           tuple(tokens[k] for k in sorted(tokens)), tally.requests)

    def _items(self, address: str, from_slot: int, through_slot: int, tally: Tally) -> list[dict]:
        """Every item over the range, following fingerprints; an item seen twice counts once."""
        low, high = slot_range_ms(from_slot, through_slot)
        # Block timestamps sit exactly on slot starts: ask from 1 ms earlier so that the first
        # slot is in whether TronGrid's bounds are inclusive or not (fetch() filters by slot).
        params: dict[str, Any] = {"limit": self.page_limit, "only_confirmed": "true",
                                  "min_timestamp": max(0, low - 1), "max_timestamp": high}
        if self.contract:
            params["contract_address"] = self.contract
        url = f"{self.base_url}/v1/accounts/{address}/transactions/trc20"
        items: list[dict] = []
        fingerprints: set[str] = set()
        while True:
            reply = self.http.get_json(url, params, self._headers, check=self._check, tally=tally)
            items.extend(reply.get("data") or [])
            fingerprint = (reply.get("meta") or {}).get("fingerprint")
            if not fingerprint or not reply.get("data"):
                return items
            if fingerprint in fingerprints:
                raise SourceError(f"TronGrid returned the same page fingerprint twice for {address}; "
                                  "its paging is stuck: run the fetch again later")
            fingerprints.add(fingerprint)
            params = {**params, "fingerprint": fingerprint}

    def _check(self, reply: Any) -> None:
        if not isinstance(reply, dict):
            raise SourceError(f"TronGrid answered with {self.http.mask(str(reply))[:200]}; "
                              "expected a JSON object: check the base URL")
        if reply.get("success") is False or reply.get("Error") or reply.get("error"):
            text = self.http.mask(str(reply.get("error") or reply.get("Error") or reply))[:200]
            if any(word in text.lower() for word in ("frequency", "rate limit", "too many")):
                raise TransientSourceError(f"TronGrid is throttling: {text}", retry_after=1.0)
            raise SourceError(f"TronGrid answered with an error: {text}; check the address, "
                              "the time range and the API key (TRON-PRO-API-KEY)")


def _check_chain(chain: str) -> None:
    if get_chain(chain).name != "tron":
        raise SourceError(f"the TronGrid source reads tron, not {chain}: use the explorer or rpc "
                          "source for EVM chains")


def _address(raw: Any, field: str) -> str:
    text = _text(raw)
    if text is None:
        raise SourceError(f"TronGrid item lacks {field}")
    try:
        return normalize_address("tron", text)
    except AddressError as exc:
        raise SourceError(f"TronGrid returned a {field} that does not validate: {exc}") from None


def _tx_id(raw: Any) -> str:
    try:
        return normalize_tx_hash("tron", _text(raw) or "")
    except AddressError as exc:
        raise SourceError(f"TronGrid returned a transaction_id that does not validate: {exc}") from None


def _uint(raw: Any, field: str) -> int:
    text = str(raw).strip() if raw is not None else ""
    if not text.isascii() or not text.isdigit():
        raise SourceError(f"TronGrid item has {field}={raw!r}; expected a non-negative integer")
    return int(text)


def _text(raw: Any) -> str | None:
    text = str(raw).strip() if raw is not None else ""
    return text or None
