"""EVM JSON-RPC source: what an address sent and received, read from any Ethereum-compatible node.

    source = RpcSource.from_url("https://node.example/KEY", "ethereum", confirmations=12)
    result = source.fetch("ethereum", address, from_block, source.head("ethereum"))

or `RpcSource(Web3(HTTPProvider(url)), "ethereum")` with a client built elsewhere (from_url turns
web3's own retries off: they ignore Retry-After; retrying is the caller's, on TransientSourceError).

What one fetch reads, over the block range (both ends included), for one address:

- Token transfers: `eth_getLogs` for ERC-20 `Transfer` logs with the address as sender
  (topics `[TRANSFER, addr]`) and as receiver (`[TRANSFER, None, addr]`), from every contract.
  When the node refuses a range ("query returned more than 10000 results", "block range is too
  large", "limit exceeded", HTTP 413), the range is halved and the halves are read in turn; the
  source remembers the span that worked (per method) for its later reads. Logs are decoded by the
  pure mapper in `evm_logs.py`.
- Native ether, by what the node offers, detected once per source (or as `native=` says):
  1. Otterscan (`ots_getApiLevel` answers: Erigon, Reth, anvil): `ots_searchTransactionsBefore`,
     paged backwards from the range's end; each page comes with the receipts.
  2. else `trace_filter` (fromAddress, then toAddress; hex block numbers): the top-level calls,
     a failed one marked by its `error`;
  3. else a bounded scan of `eth_getBlockByNumber(n, true)` over the range with the receipts of the
     address's transactions, refused above `max_scan_blocks` blocks (the error says what to use).
  A transaction with value > 0 and receipt status 1 is a 'native' transfer; status 0 is a FailedTx.
- Internal ether (contract calls that move ether), when `trace_filter` answers: the transactions
  its traces name are read whole with `trace_transaction` (one batch), because a call under a
  reverted call carries no `error` itself and trace_filter leaves the reverted caller out when it
  does not name the address; position = `trace_position(traceAddress)`, as the explorer source
  numbers them.
- Block times: `eth_getBlockByNumber(n, false)` in batches, for every block that holds a transfer.
- Token metadata (symbol, decimals, name) of contracts new to this source: `eth_call`, one batch.

Every HTTP request counts once in `FetchResult.requests` (a batch of 100 calls is one request).
Blocks newer than `head()` (the node's newest block less `confirmations`) are never read. The node
must serve the chain (`eth_chainId`; pass `chain_id=None`, or its id, for a local test node).

Errors. Transient failures (HTTP 429 with its Retry-After, 5xx, timeouts, connection failures,
replies that are not JSON) raise `TransientSourceError(message, retry_after)`; others raise
`SourceError` with a message that names the fix. Messages show the node's URL with its user,
password, query and key-like path segments as *** (`https://host/v3/***`, see tracers.redact).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from eth_utils import to_checksum_address
from web3 import HTTPProvider, Web3

from tracers.chains import chain as get_chain
from tracers.chains import normalize_address
from tracers.domain import FailedTx, FetchResult, TokenInfo, Transfer
from tracers.errors import SourceError, TransientSourceError
from tracers.redact import mask, register, secrets_of_url, shown_url
from tracers.sources.evm_logs import (
    DECIMALS,
    NAME,
    SYMBOL,
    TRANSFER_TOPIC,
    Movement,
    Root,
    address_topic,
    block_time,
    decode_abi_string,
    decode_abi_uint,
    decode_trace_tree,
    decode_transaction,
    decode_transfer_log,
    hex_int,
    hex_text,
)
from tracers.sources.http import retry_after_seconds
from tracers.sources.retry import DEFAULT as DEFAULT_RETRY
from tracers.sources.retry import RetryPolicy

MAX_RANGE = 100_000  # first eth_getLogs / trace_filter span tried, in blocks
MAX_SCAN_BLOCKS = 10_000  # blocks read one by one when the node has neither ots_* nor trace_*
BATCH_SIZE = 100  # calls per JSON-RPC batch (providers cap batches at 100 to 1,000)
OTS_PAGE_SIZE = 100  # transactions per ots_search page (a soft limit: blocks are never split)
NATIVE_METHODS = ("auto", "ots", "trace", "blocks")  # how native ether is read (auto: detected)
_DEFAULT = object()

# Words in a node's error that mean "ask for fewer blocks" (eth_getLogs and trace_filter only).
# Providers agree on no error code, so the message is all there is to go by.
_RANGE_REFUSALS = ("more than", "too many results", "block range", "range is too", "range too",
                   "too wide", "limit exceeded", "exceed", "limited to", "response size", "max range",
                   "too large", "query timeout")
_THROTTLED = ("rate limit", "rate-limit", "too many requests", "try again", "temporarily",
              "capacity", "busy", "header not found")
_UNSUPPORTED = ("method not found", "does not exist", "not supported", "unsupported method",
                "not enabled", "unknown method", "method not available", "is not available")
_SPLITTABLE = ("eth_getLogs", "trace_filter")
_FIXES = {
    "eth_getLogs": "use a node that serves eth_getLogs over old blocks (an archive node, or a "
                   "provider plan with log queries), or the explorer source",
    "eth_getBlockByNumber": "the node may have pruned old blocks: use an archive node",
    "eth_getTransactionReceipt": "the node may have pruned old receipts: use an archive node",
    "trace_transaction": "use a node with the trace_ API enabled (Erigon, Reth, Nethermind)",
    "ots_searchTransactionsBefore": "use a node with the Otterscan API enabled (Erigon, Reth)",
}


@dataclass(frozen=True)
class NodeSupport:
    """What the node answers, detected once, and so how native and internal ether are read."""

    chain_id: int
    ots: bool  # answers ots_getApiLevel (Otterscan API)
    trace: bool  # answers trace_filter (internal ether is read only then)
    native: str  # ots | trace | blocks: what native ether is read with

    @property
    def native_method(self) -> str:
        return {"ots": "ots_searchTransactionsBefore", "trace": "trace_filter",
                "blocks": "eth_getBlockByNumber"}[self.native]


class RangeRefused(SourceError):
    """The node will not answer this block range (too many blocks or results): read it in halves."""


class Unsupported(SourceError):
    """The node does not answer this method (not found, not enabled)."""


class RpcSource:
    """An EVM chain read through a JSON-RPC node; see the module docstring."""

    name = "rpc"

    def __init__(
        self,
        w3: Web3,
        chain: str,
        *,
        confirmations: int = 0,
        max_range: int = MAX_RANGE,
        max_scan_blocks: int = MAX_SCAN_BLOCKS,
        batch_size: int = BATCH_SIZE,
        ots_page_size: int = OTS_PAGE_SIZE,
        chain_id: int | None | object = _DEFAULT,
        native: str = "auto",
        token_metadata: bool = True,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
    ):
        known = get_chain(chain)
        if known.family != "evm":
            raise SourceError(f"the rpc source reads EVM chains; {known.name} is not one "
                              "(use the tron source for Tron)")
        for label, value, low in (("confirmations", confirmations, 0), ("max_range", max_range, 1),
                                  ("max_scan_blocks", max_scan_blocks, 0), ("batch_size", batch_size, 1),
                                  ("ots_page_size", ots_page_size, 1)):
            if not isinstance(value, int) or value < low:
                raise ValueError(f"{label} must be an integer >= {low}, got {value!r}")
        if native not in NATIVE_METHODS:
            raise ValueError(f"native must be one of {', '.join(NATIVE_METHODS)}, got {native!r}")
        self.chain = known.name
        self.native = native
        self.chain_id = known.chain_id if chain_id is _DEFAULT else chain_id  # None: not checked
        self.confirmations = confirmations
        self.max_range = max_range
        self.max_scan_blocks = max_scan_blocks
        self.batch_size = batch_size
        self.ots_page_size = ots_page_size
        self.token_metadata = token_metadata
        self.retry, self._sleep = retry, sleep
        self.w3 = w3
        url = getattr(w3.provider, "endpoint_uri", None) or type(w3.provider).__name__
        self.shown_url, self._secrets = shown_url(str(url)), secrets_of_url(str(url))
        register(self._secrets)
        self._timeout = (getattr(w3.provider, "_request_kwargs", None) or {}).get("timeout")
        self._support: NodeSupport | None = None
        self._spans: dict[str, int] = {}
        self._tokens: dict[str, TokenInfo | None] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, chain: str, confirmations: int = 0, timeout: float = 30.0,
                 **options: Any) -> RpcSource:
        """A source over a new HTTP client for `url` (web3's retries off; see the module docstring)."""
        provider = HTTPProvider(url, request_kwargs={"timeout": timeout},
                                exception_retry_configuration=None)
        return cls(Web3(provider), chain, confirmations=confirmations, **options)

    # -- protocol ------------------------------------------------------------------------------

    def describe(self) -> dict:
        """This source for evidence: the node's URL without keys, the chain id it serves and whether
        that id was accepted in place of the chain's own (--chain-id: a local fork or test node)."""
        served = self.support().chain_id
        return {"source": self.name, "url": self.shown_url, "chain_id": served,
                "chain_id_accepted": served != get_chain(self.chain).chain_id}

    def head(self, chain: str) -> int:
        """The newest block with `confirmations` blocks on top of it (0 at the least)."""
        self._check_chain(chain)
        return self._head(self._rpc())

    def fetch(self, chain: str, address: str, from_block: int, through_block: int) -> FetchResult:
        """Every transfer into or out of `address` from `from_block` through `through_block`."""
        self._check_chain(chain)
        address = normalize_address(self.chain, address)
        if not (isinstance(from_block, int) and isinstance(through_block, int)
                and 0 <= from_block <= through_block):
            raise SourceError(f"block range {from_block}..{through_block} is empty or negative: "
                              "give 0 <= from_block <= through_block")
        rpc = self._rpc()
        support = self._detect(rpc)
        head = self._head(rpc)
        if through_block > head:
            raise SourceError(
                f"block {through_block} is not confirmed yet: the newest block with "
                f"{self.confirmations} confirmation(s) on {self.shown_url} is {head}; "
                f"fetch through {head} at most (source.head())"
            )
        notes: list[str] = []
        moves: dict[tuple[str, str, int], Movement] = {}
        failed: dict[str, FailedTx] = {}
        times: dict[int, datetime] = {}

        def keep(found: Iterable[Root]) -> None:
            for item in found:
                if isinstance(item, FailedTx):
                    if address in (item.from_address, item.to_address):
                        failed.setdefault(item.tx_hash, item)
                elif item is not None and item.touches(address):
                    moves.setdefault((item.tx_hash, item.kind, item.position), item)

        keep(self._token_moves(rpc, address, from_block, through_block))
        if support.native == "ots":
            keep(self._ots_native(rpc, address, from_block, through_block))
        elif support.native == "blocks":
            keep(self._scanned_native(rpc, address, from_block, through_block, times))
        if support.trace:
            keep(self._traced(rpc, address, from_block, through_block, roots=support.native == "trace"))
        else:
            notes.append("internal ether transfers not read: the node does not answer trace_filter")
        notes.append(f"native ether read with {support.native_method}")
        for method, span in sorted(self._spans.items()):
            if span < self.max_range:
                notes.append(f"{method}: the node refuses long ranges; read {span:,} blocks at a time")

        times.update(self._block_times(rpc, {m.block_number for m in moves.values()} - times.keys()))
        transfers = sorted((m.at(self.chain, times[m.block_number]) for m in moves.values()), key=_order)
        tokens = self._token_info(rpc, {m.asset for m in moves.values() if m.kind == "token"})
        return FetchResult(
            self.chain, address, self.name, from_block, through_block, tuple(transfers),
            tuple(sorted(failed.values(), key=lambda f: (f.block_number, f.tx_hash))),
            tokens, rpc.requests, tuple(notes),
        )

    # -- what the node supports ----------------------------------------------------------------

    def support(self) -> NodeSupport:
        """The node's chain id and APIs, asked once (`eth_chainId`, `ots_getApiLevel`, `trace_filter`)."""
        return self._detect(self._rpc())

    def _detect(self, rpc: _Rpc) -> NodeSupport:
        if self._support is not None:
            return self._support
        chain_id = hex_int(rpc.call("eth_chainId", []))
        if self.chain_id is not None and chain_id != self.chain_id:
            raise SourceError(
                f"the node at {self.shown_url} serves chain id {chain_id}, not {self.chain} "
                f"({self.chain_id}): point the {self.chain} source at a {self.chain} node, or, for a "
                f"local fork or test node, accept its id with --chain-id {chain_id} (or "
                f"TRACERS_RPC_CHAIN_ID_{self.chain.upper()}={chain_id})"
            )
        ots = self._answers(rpc, "ots_getApiLevel", [], lambda level: isinstance(level, int))
        latest = hex(hex_int(rpc.call("eth_blockNumber", [])))
        probe = {"fromBlock": latest, "toBlock": latest, "toAddress": ["0x" + "0" * 40]}
        trace = self._answers(rpc, "trace_filter", [probe], lambda found: isinstance(found, list))
        if self.native == "ots" and not ots or self.native == "trace" and not trace:
            api = "Otterscan (ots_getApiLevel)" if self.native == "ots" else "trace_filter"
            raise SourceError(f"the node at {self.shown_url} does not answer {api}, which native="
                              f"{self.native!r} asks for: use native='auto' or a node with that API")
        native = self.native if self.native != "auto" else "ots" if ots else "trace" if trace else "blocks"
        with self._lock:
            self._support = NodeSupport(chain_id, ots, trace, native)
        return self._support

    @staticmethod
    def _answers(rpc: _Rpc, method: str, params: list, valid: Callable[[Any], bool]) -> bool:
        try:
            return valid(rpc.call(method, params))
        except TransientSourceError:
            raise
        except SourceError:  # not found, not enabled, or any other refusal: the node lacks it
            return False

    # -- token transfers -----------------------------------------------------------------------

    def logs(self, topics: list, from_block: int, through_block: int) -> list[dict]:
        """Raw `eth_getLogs` results for `topics` over the range, split as the node demands."""
        return self._logs(self._rpc(), topics, from_block, through_block)

    def _logs(self, rpc: _Rpc, topics: list, from_block: int, through_block: int) -> list[dict]:
        return self._ranged(rpc, "eth_getLogs", lambda lo, hi: [{
            "fromBlock": hex(lo), "toBlock": hex(hi), "topics": topics}], from_block, through_block)

    def _token_moves(self, rpc: _Rpc, address: str, lo: int, hi: int) -> list[Movement | None]:
        topic = address_topic(address)
        found = self._logs(rpc, [TRANSFER_TOPIC, topic], lo, hi)
        found += self._logs(rpc, [TRANSFER_TOPIC, None, topic], lo, hi)
        return [decode_transfer_log(log) for log in found]

    # -- native ether --------------------------------------------------------------------------

    def _ots_native(self, rpc: _Rpc, address: str, lo: int, hi: int) -> list[Root]:
        """The address's own transactions, newest first, a page of whole blocks at a time."""
        found: list[Root] = []
        cursor = hi + 1  # ots_searchTransactionsBefore reads blocks below this one
        checksummed = to_checksum_address(address)
        while True:
            page = rpc.call("ots_searchTransactionsBefore", [checksummed, cursor, self.ots_page_size])
            txs = page.get("txs") or []
            if not txs:
                return found
            receipts = {hex_text(r["transactionHash"]): r for r in page.get("receipts") or []}
            blocks = [hex_int(tx["blockNumber"]) for tx in txs]
            for tx, block in zip(txs, blocks, strict=True):
                if lo <= block <= hi:  # fetch() keeps what touches the address (a creation: its receipt)
                    receipt = self._present(receipts.get(hex_text(tx["hash"])), "receipt", tx["hash"])
                    found.append(decode_transaction(self.chain, tx, receipt))
            lowest = min(blocks)
            if lowest <= lo or page.get("lastPage") or lowest >= cursor:
                return found
            cursor = lowest

    def _scanned_native(self, rpc: _Rpc, address: str, lo: int, hi: int,
                        times: dict[int, datetime]) -> list[Root]:
        """Every block of the range read whole; receipts of the address's transactions."""
        count = hi - lo + 1
        if count > self.max_scan_blocks:
            why = ("native='blocks' was asked for" if self.native == "blocks" else
                   f"the node at {self.shown_url} answers neither ots_searchTransactionsBefore (Otterscan "
                   "API) nor trace_filter")
            raise SourceError(
                f"{why}, so native ether is read block by block, at most {self.max_scan_blocks:,} blocks "
                f"per fetch; this fetch spans {count:,}: narrow the block range, use a node with the ots_ "
                "or trace_ API (Erigon, Reth), or the explorer source"
            )
        blocks = rpc.batch("eth_getBlockByNumber", [[hex(n), True] for n in range(lo, hi + 1)])
        mine = []
        for number, block in zip(range(lo, hi + 1), blocks, strict=True):
            if block is None:
                raise TransientSourceError(f"the node at {self.shown_url} has no block {number} yet; "
                                           "it may be behind: try again", retry_after=5.0)
            times[number] = block_time(block)
            for tx in block.get("transactions") or []:
                to = tx.get("to")
                if to is None or address in (hex_text(tx.get("from") or ""), hex_text(to)):
                    mine.append(tx)  # creations too: the receipt tells which contract they paid
        receipts = rpc.batch("eth_getTransactionReceipt", [[tx["hash"]] for tx in mine])
        return [decode_transaction(self.chain, tx, self._present(receipt, "receipt", tx["hash"]))
                for tx, receipt in zip(mine, receipts, strict=True)]

    # -- traces (native ether when there is no ots_, internal ether) ---------------------------

    def _traced(self, rpc: _Rpc, address: str, lo: int, hi: int, roots: bool) -> list[Root]:
        """Internal ether (and, with `roots`, native ether) from the traces naming the address."""
        checksummed = to_checksum_address(address)
        traces = []
        for side in ("fromAddress", "toAddress"):
            traces += self._ranged(rpc, "trace_filter", functools.partial(_trace_filter, side, checksummed), lo, hi)
        found: list[Root] = []
        wanted: dict[str, None] = {}  # transactions with internal value to read whole
        for trace in traces:
            if not trace.get("traceAddress"):  # the transaction's own call; a failed one has `error`
                if roots:
                    found.append(decode_trace_tree(self.chain, [trace])[0])
            elif hex_int((trace.get("action") or {}).get("value") or 0) > 0 \
                    or trace.get("type") in ("suicide", "selfdestruct"):
                wanted.setdefault(hex_text(trace["transactionHash"]))
        trees = rpc.batch("trace_transaction", [[h] for h in wanted])
        for tx_hash, tree in zip(wanted, trees, strict=True):
            found.extend(decode_trace_tree(self.chain, self._present(tree, "traces", tx_hash))[1])
        return found

    # -- block times, token metadata -----------------------------------------------------------

    def _block_times(self, rpc: _Rpc, numbers: set[int]) -> dict[int, datetime]:
        ordered = sorted(numbers)
        blocks = rpc.batch("eth_getBlockByNumber", [[hex(n), False] for n in ordered])
        return {n: block_time(self._present(b, "block", n)) for n, b in zip(ordered, blocks, strict=True)}

    def _token_info(self, rpc: _Rpc, assets: set[str]) -> tuple[TokenInfo, ...]:
        new = sorted(a for a in assets if a not in self._tokens) if self.token_metadata else []
        if new:
            calls = [[{"to": to_checksum_address(a), "data": selector}, "latest"]
                     for a in new for selector in (SYMBOL, DECIMALS, NAME)]
            replies = rpc.batch("eth_call", calls, tolerate=True)
            for i, asset in enumerate(new):
                symbol, decimals, name = replies[3 * i:3 * i + 3]
                info = TokenInfo(self.chain, asset, decode_abi_string(symbol), decode_abi_uint(decimals),
                                 decode_abi_string(name))
                known = info.symbol is not None or info.decimals is not None
                self._tokens[asset] = info if known else None
        return tuple(found for a in sorted(assets) if (found := self._tokens.get(a)) is not None)

    # -- plumbing ------------------------------------------------------------------------------

    def _rpc(self) -> _Rpc:
        return _Rpc(self.w3.provider, self.shown_url, self._secrets, self.batch_size, self._timeout,
                    self.retry, self._sleep)

    def _head(self, rpc: _Rpc) -> int:
        return max(hex_int(rpc.call("eth_blockNumber", [])) - self.confirmations, 0)

    def _check_chain(self, chain: str) -> None:
        if get_chain(chain).name != self.chain:
            raise SourceError(f"this rpc source reads {self.chain}, not {chain}: "
                              "make one RpcSource per chain, each with its own node URL")

    def _ranged(self, rpc: _Rpc, method: str, params: Callable[[int, int], list], lo: int,
                hi: int) -> list:
        """All results of `method` over [lo, hi], in windows the node accepts (halved on refusal)."""
        results: list = []
        start = lo
        while start <= hi:
            end = min(hi, start + self._spans.get(method, self.max_range) - 1)
            try:
                results.extend(rpc.call(method, params(start, end)) or [])
            except RangeRefused as exc:
                if end == start:
                    raise SourceError(f"the node at {self.shown_url} refuses {method} even for the single "
                                      f"block {start} ({exc}); use a node with higher limits, or the "
                                      "explorer source") from None
                self._spans[method] = max(1, (end - start + 1) // 2)
                continue
            start = end + 1
        return results

    def _present(self, item: Any, what: str, key: Any) -> Any:
        if item is None:
            raise TransientSourceError(f"the node at {self.shown_url} has no {what} for {key} yet; "
                                       "it may be behind or load-balanced over lagging nodes: try again",
                                       retry_after=5.0)
        return item


def _trace_filter(side: str, address: str, lo: int, hi: int) -> list:
    """trace_filter's parameters: the traces with `address` as `side` in blocks [lo, hi]."""
    return [{"fromBlock": hex(lo), "toBlock": hex(hi), side: [address]}]


def _order(t: Transfer) -> tuple:
    index = -1 if t.tx_index is None else t.tx_index
    return (t.block_number, index, _KINDS[t.kind], t.position, t.tx_hash)


_KINDS = {"native": 0, "internal": 1, "token": 2}


# -- JSON-RPC over a web3 provider -------------------------------------------------------------


class _Rpc:
    """JSON-RPC calls for one fetch: counted (a batch is one request), errors classified, transient
    failures tried again on the sources' one policy (tracers.sources.retry)."""

    def __init__(self, provider: Any, shown_url: str, secrets: Sequence[str], batch_size: int,
                 timeout: float | None, retry: RetryPolicy = DEFAULT_RETRY,
                 sleep: Callable[[float], None] = time.sleep):
        self.provider = provider
        self.retry, self.sleep = retry, sleep
        self.shown_url = shown_url
        self.secrets = secrets
        self.batch_size = batch_size
        self.timeout = timeout
        self.requests = 0

    def call(self, method: str, params: list) -> Any:
        return self._retried(method, lambda: self._result(
            method, self._send(method, lambda: self.provider.make_request(method, params))))

    def batch(self, method: str, params: Sequence[list], tolerate: bool = False) -> list:
        """Results in order; with `tolerate`, an item the node answers with an error gives None."""
        results: list = []
        for start in range(0, len(params), self.batch_size):
            chunk = params[start:start + self.batch_size]
            results += self._retried(method, functools.partial(self._batch_once, method, chunk, tolerate))
        return results

    def _batch_once(self, method: str, chunk: Sequence[list], tolerate: bool) -> list:
        calls = [(method, p) for p in chunk]
        replies = self._send(method, lambda: self.provider.make_batch_request(calls))
        if isinstance(replies, dict):  # the whole batch refused with one error
            raise self._error(method, replies.get("error") or {"message": str(replies)[:200]})
        if not isinstance(replies, list) or len(replies) != len(chunk):
            got = len(replies) if isinstance(replies, list) else 0
            raise TransientSourceError(f"the node at {self.shown_url} answered a batch of {len(chunk)} "
                                       f"{method} calls with {got} replies: try again")
        results: list = []
        for reply in replies:
            try:
                results.append(self._result(method, reply))
            except TransientSourceError:
                raise
            except SourceError:
                if not tolerate:
                    raise
                results.append(None)
        return results

    def _retried(self, method: str, attempt: Callable[[], Any]) -> Any:
        return self.retry.run(attempt, name="rpc", shown=f"{method} on {self.shown_url}", sleep=self.sleep)

    def _send(self, method: str, send: Callable[[], Any]) -> Any:
        self.requests += 1
        where = f"the node at {self.shown_url}"
        try:
            return send()
        except requests.HTTPError as exc:
            response = exc.response
            status = response.status_code if response is not None else 0
            headers = response.headers if response is not None else {}
            excerpt = self.mask(_excerpt(response))
            if status == 413 and method in _SPLITTABLE:
                raise RangeRefused(f"HTTP 413 Payload Too Large from {where}") from None
            wait = retry_after_seconds(headers.get("Retry-After"))
            if status == 429:
                raise TransientSourceError(f"{where} is throttling (HTTP 429) {method}: wait and try "
                                           "again, or lower the request rate", wait) from None
            if status >= 500:
                raise TransientSourceError(f"{where} failed {method} with HTTP {status}: {excerpt}; "
                                           "try again", wait) from None
            raise SourceError(f"{where} refused {method} with HTTP {status}: {excerpt}; check the URL "
                              "and its API key") from None
        except requests.Timeout:
            limit = f" within {self.timeout:g} s" if self.timeout else ""
            raise TransientSourceError(f"{where} did not answer {method}{limit}: try again, or give it "
                                       "a longer timeout", retry_after=None) from None
        except requests.RequestException as exc:
            raise TransientSourceError(f"cannot reach {where} ({type(exc).__name__}) for {method}: check "
                                       "the URL and that the node is running", retry_after=None) from None
        except (ValueError, UnicodeDecodeError):  # JSONDecodeError: truncated or not JSON at all
            raise TransientSourceError(f"{where} answered {method} with a reply that is not JSON "
                                       "(truncated?): try again", retry_after=None) from None
        except NotImplementedError:
            raise SourceError(f"the web3 provider for {self.shown_url} cannot send JSON-RPC batches: "
                              "use HTTPProvider") from None

    def _result(self, method: str, reply: Any) -> Any:
        if not isinstance(reply, dict):
            raise TransientSourceError(f"the node at {self.shown_url} answered {method} with something "
                                       "other than a JSON-RPC reply: try again")
        if reply.get("error") is not None:
            raise self._error(method, reply["error"])
        if "result" not in reply:
            raise TransientSourceError(f"the node at {self.shown_url} answered {method} without a "
                                       "result: try again")
        return reply["result"]

    def _error(self, method: str, error: Any) -> SourceError:
        """The exception for a JSON-RPC error object: throttled, unsupported, range refused, other."""
        code = error.get("code") if isinstance(error, dict) else None
        message = self.mask(str(error.get("message", "") if isinstance(error, dict) else error))[:300]
        lowered = message.lower()
        where = f"the node at {self.shown_url}"
        if code == -32601 or any(p in lowered for p in _UNSUPPORTED):
            return Unsupported(f"{where} does not answer {method}: {message}; "
                               f"{_FIXES.get(method, 'use a node that does')}")
        if code == 429 or any(p in lowered for p in _THROTTLED):
            return TransientSourceError(f"{where} is throttling or busy ({method}: {message}): try again",
                                        retry_after=None)
        if method in _SPLITTABLE and (code == -32005 or any(p in lowered for p in _RANGE_REFUSALS)):
            return RangeRefused(f"{method}: {message}")
        fix = _FIXES.get(method, "check the node, its URL and the block range")
        return SourceError(f"{where} does not answer {method}: error {code}: {message}; {fix}")

    def mask(self, text: str) -> str:
        """`text` with the node URL's secrets masked (tracers.redact.mask)."""
        return mask(text, self.secrets)


def _excerpt(response: requests.Response | None) -> str:
    if response is None:
        return "(no reply)"
    text = response.content[:200].decode("utf-8", "replace").strip().replace("\n", " ")
    return text or "(empty reply)"


__all__ = ["NodeSupport", "RangeRefused", "RpcSource", "Unsupported"]
