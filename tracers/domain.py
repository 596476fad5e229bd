"""Records that cross the library's rooms: what a source fetched, in the store's terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Transfer:
    """One value movement, as stored (see sql/schema/001_core.sql: transfers)."""

    chain: str
    asset: str  # 'native' or the token contract, canonical form
    kind: str  # native | internal | token
    tx_hash: str
    position: int  # log index (token), trace index (internal), 0 (native)
    block_number: int
    tx_index: int | None
    block_time: datetime
    from_address: str | None
    to_address: str | None
    amount: int  # base units, exact


@dataclass(frozen=True, slots=True)
class FailedTx:
    """A transaction that failed on chain: it moved nothing, but a report may name it."""

    chain: str
    tx_hash: str
    block_number: int
    from_address: str | None
    to_address: str | None


@dataclass(frozen=True)
class TokenInfo:
    chain: str
    address: str
    symbol: str | None
    decimals: int | None
    name: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """Everything a source found for one address over a block range (both ends included)."""

    chain: str
    address: str
    source: str
    from_block: int
    through_block: int
    transfers: tuple[Transfer, ...] = ()
    failed: tuple[FailedTx, ...] = ()
    tokens: tuple[TokenInfo, ...] = ()
    requests: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
