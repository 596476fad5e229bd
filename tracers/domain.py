"""What crosses the library's rooms: the shared vocabularies (roles, source kinds, taint models),
the one way a moment is written, and what a source fetched, in the store's terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum

# Roles of an address in a traced case (INTERPOL DW-CC entity roles, plus deposit wallets).
ROLES = ("victim", "perpetrator", "deposit_wallet", "exchange", "service", "unknown")


class SourceKind(str, Enum):
    """Where chain data is read from: the store as it is, or a live source."""

    store = "store"
    rpc = "rpc"
    explorer = "explorer"
    tron = "tron"


LIVE_SOURCES = (SourceKind.rpc.value, SourceKind.explorer.value, SourceKind.tron.value)


class TaintModel(str, Enum):
    """How victim money is attributed to what an address sends on (tracers.trace.taint)."""

    haircut = "haircut"  # proportional to the address's balance
    fifo = "fifo"  # first in, first out
    poison = "poison"  # all of it, once any victim money arrived


class Tlp(str, Enum):
    """Traffic Light Protocol 2.0 markings (FIRST): who may see what a partner shared, or what we share."""

    clear = "clear"  # no limit on disclosure
    green = "green"  # the community, not public channels
    amber = "amber"  # the recipient's organisation and its clients, need to know
    amber_strict = "amber+strict"  # the recipient's organisation only
    red = "red"  # the named recipients only


def iso_utc(moment: datetime | str | None) -> str:
    """`2026-01-05T03:04:05Z` (fractions of a second only when there are any); '' for None."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    text = moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


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
