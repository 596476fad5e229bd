"""Explorer source: Etherscan API v2 and compatible explorers (Blockscout's `/api?module=...`).

    source = ExplorerSource("https://api.etherscan.io/v2/api", api_key, chain="ethereum",
                            session=requests.Session())
    result = source.fetch("ethereum", address, from_block, through_block)

One fetch reads three lists of the address, each over the block range (both ends included):
`txlist` (its own transactions: native value moved, failed transactions), `txlistinternal`
(ether moved by contract calls) and `tokentx` (ERC-20 transfers). A base URL ending in `/v2/api`
is Etherscan v2 and gets `chainid` (ethereum, bsc, polygon, arbitrum, base); one ending in `/api`
is a Blockscout-compatible instance for the one chain it serves. The API key (the caller reads
TRACERS_ETHERSCAN_KEY) goes in the `apikey` query value and is masked everywhere (see http.py).

Paging. An explorer returns at most 1,000 records per request (`offset`), sorted by block. When a
page is full, the next request starts at the page's last block (`startblock`), which comes back
whole; the earlier page's records of that boundary block are dropped, so nothing is counted twice
and nothing rests on matching record identities. A single block holding 1,000 records or more of
the address is read with `page=2, 3, ...` over that block alone, up to the explorers' window of
10,000 records (beyond that the fetch fails and says so).

Mapping (pure functions, tested on recorded-format replies). Every value is a decimal string
parsed to an exact int (spam tokens exceed 2**255); times are UTC.
- txlist: value > 0 and not failed -> a 'native' Transfer (position 0, tx_index = transactionIndex);
  isError "1" (or txreceipt_status "0") -> FailedTx, whatever its value. A contract creation pays
  `contractAddress`.
- tokentx: a 'token' Transfer, asset = contractAddress (lowercase), position = logIndex,
  tx_index = transactionIndex; TokenInfo from tokenSymbol/tokenDecimal/tokenName. A reply without
  logIndex (some explorers leave it out) gets `unindexed_position`, see there, and a note.
- txlistinternal: an 'internal' Transfer of the native coin for each successful call with
  value > 0; position = `trace_position(traceId)`, see there (Blockscout's per-transaction
  `index` is used when there is no traceId).
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from tracers.chains import CHAINS, NATIVE, normalize_address, normalize_tx_hash
from tracers.chains import chain as get_chain
from tracers.domain import FailedTx, FetchResult, TokenInfo, Transfer
from tracers.errors import AddressError, SourceError, TransientSourceError
from tracers.redact import secrets_of_url, shown_url
from tracers.sources.http import HttpClient, RateLimiter, Tally
from tracers.sources.retry import DEFAULT as DEFAULT_RETRY
from tracers.sources.retry import RetryPolicy

PAGE_SIZE = 1000  # records per request the explorers allow (Etherscan free tier since July 2026)
RESULT_WINDOW = 10_000  # page x offset may not exceed this
ETHERSCAN_CHAINS = ("ethereum", "bsc", "polygon", "arbitrum", "base")
_API_SEGMENTS = ("v2", "api")  # the only path segments an error about the base URL shows
_BASE_URL_FIX = ("give the API's base URL alone, ending in /v2/api (Etherscan API v2, e.g. "
                 "https://api.etherscan.io/v2/api) or /api (a Blockscout instance, e.g. "
                 "https://eth.blockscout.com/api); an API key goes in TRACERS_ETHERSCAN_KEY, never in the URL")
_INT32 = 2**31 - 1
_DIGITS = re.compile(r"[0-9]+")


# -- pure mappers ------------------------------------------------------------------------------


def map_txlist(chain: str, item: dict[str, Any]) -> Transfer | FailedTx | None:
    """A `txlist` record: a native Transfer, a FailedTx, or None (a successful zero-value call)."""
    tx_hash = _tx_hash(chain, item)
    block = _uint(item, "blockNumber")
    sender = _address(chain, item.get("from"))
    receiver = _address(chain, item.get("to")) or _address(chain, item.get("contractAddress"))
    if _failed(item):
        return FailedTx(chain, tx_hash, block, sender, receiver)
    value = _uint(item, "value")
    if value == 0:
        return None
    return Transfer(chain, NATIVE, "native", tx_hash, 0, block, _optional_uint(item, "transactionIndex"),
                    _time(item), sender, receiver, value)


def map_tokentx(chain: str, item: dict[str, Any]) -> tuple[Transfer, TokenInfo]:
    """A `tokentx` record: the token Transfer and what the record says about the token."""
    asset = _address(chain, item.get("contractAddress"))
    if asset is None:
        raise SourceError(f"explorer returned a token transfer without contractAddress: {item!r}")
    sender = _address(chain, item.get("from"))
    receiver = _address(chain, item.get("to"))
    value = _uint(item, "value")
    position = _optional_uint(item, "logIndex")
    if position is None:
        position = unindexed_position(asset, sender, receiver, value, 0)
    transfer = Transfer(chain, asset, "token", _tx_hash(chain, item), position, _uint(item, "blockNumber"),
                        _optional_uint(item, "transactionIndex"), _time(item), sender, receiver, value)
    decimals = _optional_uint(item, "tokenDecimal")
    token = TokenInfo(chain, asset, _text(item.get("tokenSymbol")), decimals, _text(item.get("tokenName")))
    return transfer, token


def map_internal(chain: str, item: dict[str, Any]) -> Transfer | None:
    """A `txlistinternal` record: an 'internal' native Transfer, or None (failed, or no value)."""
    if str(item.get("isError", "0")) != "0":
        return None
    value = _uint(item, "value")
    if value == 0:
        return None
    receiver = _address(chain, item.get("to")) or _address(chain, item.get("contractAddress"))
    return Transfer(chain, NATIVE, "internal", _tx_hash(chain, item), internal_position(item),
                    _uint(item, "blockNumber"), None, _time(item), _address(chain, item.get("from")),
                    receiver, value)


def internal_position(item: dict[str, Any]) -> int:
    """Position of an internal transfer: from its traceId, else from Blockscout's `index`."""
    trace_id = _text(item.get("traceId"))
    if trace_id is not None:
        try:
            return trace_position([int(part) for part in trace_id.split("_")])
        except ValueError:
            raise SourceError(f"explorer returned an internal transfer with traceId {trace_id!r}; "
                              "expected numbers joined by '_' such as 0_1_1") from None
    index = _optional_uint(item, "index")
    if index is None:
        raise SourceError(f"explorer returned an internal transfer without traceId or index: {item!r}")
    return index


def trace_position(trace_address: Sequence[int]) -> int:
    """A stable position within its transaction for the call at `trace_address` ([0, 1, 1] is
    traceId "0_1_1": the second call made by the first call of the transaction's first call).

    It depends on the call alone, so the sender's and the receiver's fetch of the same internal
    transfer agree (the store's key is chain, tx, kind, position). Up to three levels with
    indexes below 999 it keeps the call order: each level's index + 1 in a base-1000 digit,
    [0] -> 1,000,000, [0, 1] -> 1,002,000, [0, 1, 1] -> 1,002,002. Deeper or wider calls get
    1,000,000,000 + a hash of the path (stable, unordered). Both fit the store's INTEGER.
    """
    path = list(trace_address)
    if any(i < 0 for i in path):
        raise SourceError(f"trace address {path} has a negative index")
    if len(path) <= 3 and all(i < 999 for i in path):
        digits = [i + 1 for i in path] + [0] * (3 - len(path))
        return digits[0] * 1_000_000 + digits[1] * 1_000 + digits[2]
    digest = hashlib.blake2b("_".join(map(str, path)).encode(), digest_size=8).digest()
    return 1_000_000_000 + int.from_bytes(digest, "big") % (_INT32 - 1_000_000_000)


def unindexed_position(asset: str, sender: str | None, receiver: str | None, amount: int,
                       occurrence: int) -> int:
    """A stable position for a token transfer whose reply carries no log index.

    Made from the transfer itself (token, from, to, amount) and its `occurrence` among identical
    transfers of the same transaction, so every address's view of the transaction gives the same
    number (an index among the transfers one address happens to see would not: the receiver's
    first transfer and the sender's first transfer of the same transaction would collide in the
    store). It orders nothing: transfers within a transaction or block keep no order.
    """
    key = f"{asset}|{sender}|{receiver}|{amount}".encode()
    digest = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")
    if not 0 <= occurrence < 32:
        raise SourceError(f"{occurrence + 1} identical transfers in one transaction: more than 32")
    return (digest % 2**26) * 32 + occurrence


# -- the source --------------------------------------------------------------------------------


def check_base_url(base_url: str, chain: str) -> tuple[str, int | None]:
    """The explorer base URL (no trailing slash) and the chain id to ask it for: Etherscan v2's
    (`.../v2/api`), or None for a Blockscout instance (`.../api`, one chain per instance). Checked
    before any work; the error shows the URL with every part that may hold a key as ***."""
    name = get_chain(chain).name
    if CHAINS[name].family != "evm":
        raise SourceError(f"the explorer source reads EVM chains; {name} is not one (use the tron source "
                          "for Tron)")
    url = base_url.strip().rstrip("/")
    shown = shown_url(url, shown_segments=_API_SEGMENTS)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise SourceError(f"explorer base URL {shown!r} does not parse: {_BASE_URL_FIX}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SourceError(f"explorer base URL {shown!r} is not an http:// or https:// URL: {_BASE_URL_FIX}")
    if parts.query or parts.fragment:
        raise SourceError(f"explorer base URL {shown!r} carries ?parameters or a #fragment: {_BASE_URL_FIX}")
    if parts.path.endswith("/v2/api"):
        if name not in ETHERSCAN_CHAINS:
            raise SourceError(f"tracers reads {', '.join(ETHERSCAN_CHAINS)} through Etherscan v2, not {name}")
        return url, CHAINS[name].chain_id
    if parts.path.endswith("/api"):
        return url, None
    raise SourceError(f"explorer base URL {shown!r} must end in /v2/api or /api: {_BASE_URL_FIX}")


class ExplorerSource:
    """Etherscan v2 / Blockscout account lists for one chain; see the module docstring."""

    name = "explorer"

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        chain: str = "ethereum",
        session: requests.Session,
        rate: float = 3.0,
        limiter: RateLimiter | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        rng: random.Random | None = None,
        sleep=time.sleep,
        clock=time.monotonic,
        page_size: int = PAGE_SIZE,
    ):
        self.chain = get_chain(chain).name
        url, self.chain_id = check_base_url(base_url, self.chain)
        if not 1 <= page_size <= PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{PAGE_SIZE}, got {page_size}")
        self.base_url = url
        self._key = api_key or None
        self.page_size = page_size
        self.http = HttpClient(session, name="explorer", rate=rate, limiter=limiter, timeout=timeout,
                               retry=retry, rng=rng, sleep=sleep, clock=clock,
                               secrets=[api_key, *secrets_of_url(url)])

    # -- protocol ------------------------------------------------------------------------------

    def describe(self) -> dict:
        """This source for evidence: its URL without keys and the chain id it is asked for."""
        return {"source": self.name, "url": shown_url(self.base_url), "chain_id": self.chain_id}

    def head(self, chain: str) -> int:
        """The explorer's newest block: Etherscan's `proxy` / `eth_blockNumber`, Blockscout's
        `block` / `eth_block_number` (both answer in JSON-RPC form, a hex number)."""
        self._check_chain(chain)
        module, action = ("proxy", "eth_blockNumber") if self.chain_id is not None else ("block", "eth_block_number")
        reply = self.http.get_json(self.base_url, self._params(module=module, action=action),
                                   check=self._check_proxy)
        try:
            return int(reply["result"], 16)
        except (KeyError, TypeError, ValueError):
            raise SourceError(f"explorer answered eth_blockNumber with {self.http.mask(str(reply))[:200]}; "
                              "expected a hex block number: check the base URL") from None

    def fetch(self, chain: str, address: str, from_block: int, through_block: int) -> FetchResult:
        """Everything the explorer lists for `address` from `from_block` through `through_block`."""
        self._check_chain(chain)
        address = normalize_address(self.chain, address)
        if not 0 <= from_block <= through_block:
            raise AddressError(f"block range {from_block}..{through_block} is empty or negative: "
                               "give from_block <= through_block, both >= 0")
        tally = Tally()
        transfers: set[Transfer] = set()
        failed: dict[str, FailedTx] = {}
        tokens: dict[str, TokenInfo] = {}
        notes: list[str] = []
        for item in self._records("txlist", address, from_block, through_block, tally):
            mapped = map_txlist(self.chain, item)
            if isinstance(mapped, FailedTx):
                failed.setdefault(mapped.tx_hash, mapped)
            elif mapped is not None:
                transfers.add(mapped)
        for item in self._records("txlistinternal", address, from_block, through_block, tally):
            mapped = map_internal(self.chain, item)
            if mapped is not None:
                transfers.add(mapped)
        token_items = self._records("tokentx", address, from_block, through_block, tally)
        for transfer, token in _map_tokens(self.chain, token_items, notes):
            transfers.add(transfer)
            tokens.setdefault(token.address, token)
        ordered = sorted(transfers, key=lambda t: (t.block_number, t.tx_hash, t.kind, t.position))
        return FetchResult(self.chain, address, self.name, from_block, through_block,
                           tuple(ordered), tuple(sorted(failed.values(), key=lambda f: (f.block_number, f.tx_hash))),
                           tuple(tokens[k] for k in sorted(tokens)), tally.requests, tuple(notes))

    # -- paging --------------------------------------------------------------------------------

    def _records(self, action: str, address: str, start: int, end: int, tally: Tally) -> list[dict]:
        """Every record of one list over [start, end], each once, in block order."""
        records: list[dict] = []
        while start <= end:
            page = self._page(action, address, start, end, 1, tally)
            if len(page) < self.page_size:
                records.extend(page)
                break
            first, last = _block(page[0]), _block(page[-1])
            if first == last:  # one block fills the page: read it alone, page by page
                records.extend(self._whole_block(action, address, last, tally))
                start = last + 1
                continue
            records.extend(r for r in page if _block(r) < last)
            start = last  # the boundary block comes back whole in the next page
        return records

    def _whole_block(self, action: str, address: str, block: int, tally: Tally) -> list[dict]:
        """All records of one block that holds a full page or more: pages 1, 2, ... of it alone."""
        records: list[dict] = []
        for number in range(1, RESULT_WINDOW // self.page_size + 1):
            page = self._page(action, address, block, block, number, tally)
            records.extend(page)
            if len(page) < self.page_size:
                return records
        raise SourceError(
            f"block {block} holds {RESULT_WINDOW} or more {action} records of {address}: more than "
            "an explorer can list; read this address from an RPC node instead"
        )

    def _page(self, action: str, address: str, start: int, end: int, number: int, tally: Tally) -> list[dict]:
        params = self._params(module="account", action=action, address=address, startblock=start,
                              endblock=end, page=number, offset=self.page_size, sort="asc")
        reply = self.http.get_json(self.base_url, params, check=_check_envelope(action, self.http.mask),
                                   tally=tally)
        result = reply["result"]
        return [] if reply.get("status") == "0" else list(result)

    def _params(self, **params: Any) -> dict[str, Any]:
        full: dict[str, Any] = {"chainid": self.chain_id} if self.chain_id is not None else {}
        full.update(params)
        if self._key:
            full["apikey"] = self._key
        return full

    def _check_chain(self, chain: str) -> None:
        if get_chain(chain).name != self.chain:
            raise SourceError(f"this explorer source reads {self.chain}, not {chain}; "
                              f"make one ExplorerSource per chain (they can share a RateLimiter)")

    def _check_proxy(self, reply: Any) -> None:
        if isinstance(reply, dict) and str(reply.get("status")) == "0":
            _check_envelope("eth_blockNumber", self.http.mask)(reply)
        if isinstance(reply, dict) and reply.get("error"):
            raise SourceError(f"explorer answered eth_blockNumber with an error: "
                              f"{self.http.mask(str(reply['error']))[:200]}")
        if isinstance(reply, dict) and isinstance(reply.get("result"), str) \
                and "rate limit" in reply["result"].lower():
            raise TransientSourceError(f"explorer is throttling: {reply['result']}", retry_after=1.0)


def _map_tokens(chain: str, items: list[dict], notes: list[str]) -> list[tuple[Transfer, TokenInfo]]:
    """tokentx records mapped; those without logIndex numbered by `unindexed_position`."""
    mapped = [map_tokentx(chain, item) for item in items]
    unindexed = [i for i, item in enumerate(items) if _optional_uint(item, "logIndex") is None]
    if not unindexed:
        return mapped
    seen: dict[tuple, int] = {}
    for i in unindexed:
        t = mapped[i][0]
        key = (t.tx_hash, t.asset, t.from_address, t.to_address, t.amount)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        position = unindexed_position(t.asset, t.from_address, t.to_address, t.amount, occurrence)
        mapped[i] = (Transfer(t.chain, t.asset, t.kind, t.tx_hash, position, t.block_number, t.tx_index,
                              t.block_time, t.from_address, t.to_address, t.amount), mapped[i][1])
    notes.append(f"{len(unindexed)} token transfer(s) came without a log index: their position is a "
                 "stable number made from the transfer, which keeps no order within the block")
    return mapped


# -- the reply envelope ------------------------------------------------------------------------

_FIXES = (
    ("rate limit", None),
    ("query timeout", None),
    ("invalid api key", "the explorer rejected the API key: set TRACERS_ETHERSCAN_KEY to a valid key "
                        "(etherscan.io/myapikey), or leave it unset for keyless access"),
    ("missing/invalid api key", "the explorer wants an API key: set TRACERS_ETHERSCAN_KEY "
                                "(free keys at etherscan.io/myapikey)"),
    ("free api access is not supported", "this chain needs a paid Etherscan plan: use a Blockscout "
                                         "instance or an RPC node for it"),
    ("chainid", "the explorer does not serve this chain id: check --chain and the base URL"),
    ("invalid address", "the explorer rejected the address: check it (0x and 40 hex digits)"),
    ("result window is too large", "the explorer's 10,000-record window was exceeded: report this "
                                   "as a bug in tracers' paging"),
)


def _check_envelope(action: str, masker):
    """A check for `HttpClient.get_json`: raise on an error envelope, transient for throttling."""

    def check(reply: Any) -> None:
        if not isinstance(reply, dict) or "result" not in reply:
            raise SourceError(f"explorer answered {action} with something other than its "
                              f"{{status, message, result}} envelope: {masker(str(reply))[:200]}; "
                              "check the base URL")
        status, message, result = str(reply.get("status", "")), str(reply.get("message", "")), reply["result"]
        if status == "1" and isinstance(result, list):
            return
        if status == "0" and isinstance(result, list) and not result:
            return  # "No transactions found" (and the like): an empty list
        text = result if isinstance(result, str) else message
        lowered = f"{message} {text}".lower()
        for needle, fix in _FIXES:
            if needle in lowered:
                if fix is None:
                    raise TransientSourceError(f"explorer is throttling or busy: {masker(text)}",
                                               retry_after=1.0)
                raise SourceError(f"explorer answered {action} with {masker(message)!r}: "
                                  f"{masker(text)}; {fix}")
        if status == "1":
            raise SourceError(f"explorer answered {action} with a result that is not a list: "
                              f"{masker(str(result))[:200]}")
        raise SourceError(f"explorer answered {action} with an error: {masker(message)}: "
                          f"{masker(str(text))[:200]}")

    return check


# -- field parsing -----------------------------------------------------------------------------


def _uint(item: dict[str, Any], field: str) -> int:
    value = _optional_uint(item, field)
    if value is None:
        raise SourceError(f"explorer record lacks {field}: {item!r}")
    return value


def _optional_uint(item: dict[str, Any], field: str) -> int | None:
    raw = item.get(field)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip()
    if not _DIGITS.fullmatch(text):  # decimal digits only: no sign, no float, no exponent
        raise SourceError(f"explorer record has {field}={raw!r}; expected a non-negative integer")
    return int(text)


def _block(item: dict[str, Any]) -> int:
    return _uint(item, "blockNumber")


def _time(item: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(_uint(item, "timeStamp"), UTC)


def _text(raw: Any) -> str | None:
    text = str(raw).strip() if raw is not None else ""
    return text or None


def _failed(item: dict[str, Any]) -> bool:
    return str(item.get("isError", "0")) == "1" or str(item.get("txreceipt_status", "")) == "0"


def _address(chain: str, raw: Any) -> str | None:
    text = _text(raw)
    if text is None:
        return None
    try:
        return normalize_address(chain, text)
    except AddressError as exc:
        raise SourceError(f"explorer returned an address that does not validate: {exc}") from None


def _tx_hash(chain: str, item: dict[str, Any]) -> str:
    raw = _text(item.get("hash")) or _text(item.get("transactionHash"))
    if raw is None:
        raise SourceError(f"explorer record lacks a transaction hash: {item!r}")
    try:
        return normalize_tx_hash(chain, raw)
    except AddressError as exc:
        raise SourceError(f"explorer returned a transaction hash that does not validate: {exc}") from None
