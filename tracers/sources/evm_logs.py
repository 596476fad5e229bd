"""Pure decoding of EVM JSON-RPC replies into value movements; no I/O (rpc.py does the fetching).

Every function takes a reply item as the node sends it (a dict of 0x-hex strings; web3's
AttributeDict with HexBytes and ints works too) and returns plain records:

- `decode_transfer_log(log)`: an ERC-20 `Transfer(address indexed from, address indexed to,
  uint256 value)` log -> a token `Movement`. Exactly 3 topics and 32 bytes of data; anything
  else is not an ERC-20 transfer and gives None (ERC-721 `Transfer` has the token id as a 4th
  topic and no data; ethereum-etl counts those as token transfers, tracers does not). `removed`
  logs (dropped by a reorg) give None. The value is exact (spam tokens send more than 2**255).
- `decode_transaction(chain, tx, receipt)`: a transaction and its receipt -> a native `Movement`
  (value > 0, status 1), a `FailedTx` (status 0, whatever its value), or None (a zero-value call).
- `decode_trace_tree(chain, traces)`: the Parity-style traces of one transaction (`trace_transaction`)
  -> the root call (native Movement / FailedTx / None) and the internal ether movements: calls,
  creations and self-destructs with value > 0 that neither failed themselves nor sit under a
  call that failed. Their position is `trace_position(traceAddress)`, the number the explorer
  source gives the same call, so both sources store an internal transfer under one key.
- `decode_abi_string`, `decode_abi_uint`: `symbol()`, `name()` and `decimals()` replies.

A `Movement` has everything of a `tracers.domain.Transfer` but the block time, which the fetcher
reads afterwards for the blocks that need it: `movement.at(chain, block_time)`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tracers.chains import NATIVE
from tracers.domain import FailedTx, Transfer
from tracers.sources.explorer import trace_position

TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
SYMBOL, NAME, DECIMALS = "0x95d89b41", "0x06fdde03", "0x313ce567"  # ERC-20 metadata selectors


@dataclass(frozen=True, slots=True)
class Movement:
    """A value movement as decoded from a reply, before its block time is known."""

    kind: str  # native | internal | token
    asset: str  # 'native' or the token contract, lowercase
    tx_hash: str
    position: int
    block_number: int
    tx_index: int | None
    from_address: str | None
    to_address: str | None
    amount: int

    def at(self, chain: str, block_time: datetime) -> Transfer:
        return Transfer(chain, self.asset, self.kind, self.tx_hash, self.position, self.block_number,
                        self.tx_index, block_time, self.from_address, self.to_address, self.amount)

    def touches(self, address: str) -> bool:
        return address in (self.from_address, self.to_address)


def address_topic(address: str) -> str:
    """The 32-byte topic an indexed address is logged as (for eth_getLogs topic filters)."""
    return "0x" + address.lower().removeprefix("0x").rjust(64, "0")


def decode_transfer_log(log: Mapping[str, Any]) -> Movement | None:
    """An ERC-20 Transfer log as a token Movement; None for any other log (see module docstring)."""
    if log.get("removed"):
        return None
    topics = [hex_text(t) for t in log.get("topics") or ()]
    data = hex_text(log.get("data") or "0x")
    if len(topics) != 3 or topics[0] != TRANSFER_TOPIC or len(data) != 66:
        return None
    if any(len(t) != 66 for t in topics[1:]):
        return None
    return Movement(
        kind="token",
        asset=hex_text(log["address"]),
        tx_hash=hex_text(log["transactionHash"]),
        position=hex_int(log["logIndex"]),
        block_number=hex_int(log["blockNumber"]),
        tx_index=optional_int(log.get("transactionIndex")),
        from_address="0x" + topics[1][-40:],
        to_address="0x" + topics[2][-40:],
        amount=int(data, 16),
    )


Root = Movement | FailedTx | None  # what a transaction's own call amounts to


def decode_transaction(chain: str, tx: Mapping[str, Any], receipt: Mapping[str, Any]) -> Root:
    """A transaction with its receipt: native Movement, FailedTx, or None (moved no ether)."""
    tx_hash = hex_text(tx["hash"])
    block = hex_int(tx["blockNumber"])
    sender = optional_address(tx.get("from"))
    receiver = optional_address(tx.get("to")) or optional_address(receipt.get("contractAddress"))
    if receipt_failed(receipt):
        return FailedTx(chain, tx_hash, block, sender, receiver)
    value = hex_int(tx.get("value") or 0)
    if value == 0:
        return None
    return Movement("native", NATIVE, tx_hash, 0, block, optional_int(tx.get("transactionIndex")),
                    sender, receiver, value)


def receipt_failed(receipt: Mapping[str, Any]) -> bool:
    """Status 0. Receipts from before Byzantium carry no status (a state root): taken as success."""
    status = receipt.get("status")
    return status is not None and hex_int(status) == 0


def decode_trace_tree(chain: str, traces: Sequence[Mapping[str, Any]]) -> tuple[Root, list[Movement]]:
    """The traces of one transaction: (its root call, its internal ether movements)."""
    failed_paths = {tuple(t.get("traceAddress") or ()) for t in traces if t.get("error")}
    root: Root = None
    internal: list[Movement] = []
    for trace in traces:
        path = tuple(trace.get("traceAddress") or ())
        reverted = any(path[:depth] in failed_paths for depth in range(len(path) + 1))
        moved = _trace_value(trace)
        if not path:
            root = _root(chain, trace, moved, reverted)
        elif moved is not None and not reverted and moved[2] > 0:
            internal.append(Movement("internal", NATIVE, hex_text(trace["transactionHash"]),
                                     trace_position(path), hex_int(trace["blockNumber"]),
                                     optional_int(trace.get("transactionPosition")), *moved))
    return root, internal


def _root(chain: str, trace: Mapping[str, Any], moved, reverted: bool) -> Root:
    tx_hash = hex_text(trace["transactionHash"])
    block = hex_int(trace["blockNumber"])
    action = trace.get("action") or {}
    if reverted:
        created = (trace.get("result") or {}).get("address")
        to = optional_address(action.get("to")) or optional_address(created)
        return FailedTx(chain, tx_hash, block, optional_address(action.get("from")), to)
    if moved is None or moved[2] == 0:
        return None
    index = optional_int(trace.get("transactionPosition"))
    return Movement("native", NATIVE, tx_hash, 0, block, index, *moved)


def _trace_value(trace: Mapping[str, Any]) -> tuple[str | None, str | None, int] | None:
    """(from, to, value) of a trace that can move ether; None for one that cannot."""
    action = trace.get("action") or {}
    kind = trace.get("type")
    if kind == "call":
        if action.get("callType", "call") not in ("call",):  # delegate/static/callcode move none
            return None
        value = hex_int(action.get("value") or 0)
        return optional_address(action.get("from")), optional_address(action.get("to")), value
    if kind in ("create", "create2"):
        created = optional_address((trace.get("result") or {}).get("address"))
        return optional_address(action.get("from")), created, hex_int(action.get("value") or 0)
    if kind in ("suicide", "selfdestruct"):
        return (optional_address(action.get("address")), optional_address(action.get("refundAddress")),
                hex_int(action.get("balance") or 0))
    return None


# -- token metadata ----------------------------------------------------------------------------


def decode_abi_string(result: Any) -> str | None:
    """A `string` (or, for old tokens such as MKR, `bytes32`) return value; None when unreadable."""
    raw = _bytes(result)
    if raw is None or not raw:
        return None
    text: bytes | None = None
    if len(raw) >= 64:
        offset = int.from_bytes(raw[:32], "big")
        if offset + 32 <= len(raw):
            length = int.from_bytes(raw[offset:offset + 32], "big")
            if offset + 32 + length <= len(raw):
                text = raw[offset + 32:offset + 32 + length]
    if text is None and len(raw) == 32:
        text = raw.rstrip(b"\x00")
    if not text:
        return None
    try:
        decoded = text.decode("utf-8").strip("\x00").strip()
    except UnicodeDecodeError:
        return None
    return decoded or None


def decode_abi_uint(result: Any, limit: int = 255) -> int | None:
    """A `uint` return value no larger than `limit` (decimals above 255 are garbage); else None."""
    raw = _bytes(result)
    if raw is None or len(raw) != 32:
        return None
    value = int.from_bytes(raw, "big")
    return value if value <= limit else None


# -- fields ------------------------------------------------------------------------------------


def hex_text(value: Any) -> str:
    """A hex field as lowercase 0x-text (str, bytes/HexBytes)."""
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    text = str(value).strip().lower()
    return text if text.startswith("0x") else "0x" + text


def hex_int(value: Any) -> int:
    """A quantity: 0x-hex text, or an int (web3's formatted replies, Parity's blockNumber)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a quantity, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, (bytes, bytearray)):
        return int.from_bytes(value, "big")
    text = str(value).strip().lower()
    return int(text, 16) if text.startswith("0x") else int(text)


def optional_int(value: Any) -> int | None:
    return None if value is None else hex_int(value)


def optional_address(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return hex_text(value)


def block_time(block: Mapping[str, Any]) -> datetime:
    """A block's timestamp as an aware UTC datetime."""
    return datetime.fromtimestamp(hex_int(block["timestamp"]), UTC)


def _bytes(result: Any) -> bytes | None:
    if result is None:
        return None
    if isinstance(result, (bytes, bytearray)):
        return bytes(result)
    text = str(result).strip().removeprefix("0x")
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None
