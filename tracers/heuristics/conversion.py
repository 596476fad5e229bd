"""Conversions: victim money that changed asset inside one transaction (a DEX swap, an RFQ fill,
wrapping ether into WETH and back). Pure, over the loaded transfers.

Detected by the legs themselves, so it works for any pool or router, tagged or not: within one
transaction a followed address that sends asset X and receives another asset Y has converted X
into Y. The victim money it put in comes out in Y at the swap's own rate, in exact integers:
traced_out = floor(out * traced_in / in), label by label (`convert`). The counterparties of the
legs (pool, router, WETH contract) took part in a trade, not in the scam: they are never reached.

WETH has no Transfer log for a wrap or an unwrap (it logs Deposit/Withdrawal): ether sent to the
wrapped-native contract is matched by a synthetic WETH receipt, and ether paid out by it by a
synthetic WETH payment of the same amount (kind `wrap`/`unwrap`; they move ledgers, they are not
transfers on chain and never appear as flows).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracers.trace.graph import Move
    from tracers.trace.taint import Taint

SYNTHETIC = frozenset({"wrap", "unwrap"})


@dataclass
class Conversion:
    """One address's trade in one transaction: the legs it paid and the legs it got."""

    tx_hash: str
    address: str
    paid: list[Move] = field(default_factory=list)  # asset X out
    got: list[Move] = field(default_factory=list)  # asset Y (not X) in
    traced_in: Taint = field(default_factory=dict)  # victim money on the paid legs, filled while replaying

    @property
    def from_assets(self) -> set[str]:
        return {m.asset for m in self.paid}

    @property
    def to_assets(self) -> set[str]:
        return {m.asset for m in self.got}

    @property
    def counterparties(self) -> set[str]:
        return {m.receiver for m in self.paid if m.receiver} | {m.sender for m in self.got if m.sender}

    def amount_in(self) -> int:
        return sum(m.amount for m in self.paid)

    def amount_out(self, asset: str) -> int:
        return sum(m.amount for m in self.got if m.asset == asset)


def with_wraps(moves: list[Move], wrapped: str | None) -> list[Move]:
    """`moves` plus a synthetic WETH leg for every wrap (ether into the wrapped-native contract)
    and unwrap (ether out of it), right beside the ether leg."""
    if not wrapped:
        return moves
    from tracers.trace.graph import Move

    out: list[Move] = []
    for m in moves:
        if m.asset == "native" and m.receiver == wrapped and m.sender:
            out.append(m)
            out.append(Move(wrapped, "wrap", m.tx_hash, m.position, m.block_number, m.order, m.block_time,
                            wrapped, m.sender, m.amount))
        elif m.asset == "native" and m.sender == wrapped and m.receiver:
            out.append(Move(wrapped, "unwrap", m.tx_hash, m.position, m.block_number, m.order, m.block_time,
                            m.receiver, wrapped, m.amount))
            out.append(m)
        else:
            out.append(m)
    return out


def find_conversions(moves: list[Move], followed: dict[str, int],
                     excluded_assets: set[str]) -> dict[tuple[str, str], Conversion]:
    """(tx, address) -> the conversion, for followed addresses that paid one asset and got one other
    asset in the same transaction (imitation tokens never count as what they got; a trade of
    several assets at once has no single rate and is left alone, its money followed as it is)."""
    by_tx: dict[tuple[str, str], Conversion] = {}
    for m in moves:
        if m.amount == 0:
            continue
        if m.sender in followed:
            by_tx.setdefault((m.tx_hash, m.sender), Conversion(m.tx_hash, m.sender)).paid.append(m)
        if m.receiver in followed and m.asset not in excluded_assets:
            by_tx.setdefault((m.tx_hash, m.receiver), Conversion(m.tx_hash, m.receiver)).got.append(m)
    found = {}
    for key, c in by_tx.items():
        paid_assets = c.from_assets
        c.got = [m for m in c.got if m.asset not in paid_assets and m.sender != c.address]
        c.paid = [m for m in c.paid if m.asset not in c.to_assets and m.receiver != c.address]
        if c.paid and c.got and len(c.from_assets) == 1 and len(c.to_assets) == 1:
            found[key] = c  # one asset for another: a trade of several assets has no one rate
    return found


def in_trade_order(moves: list[Move], conversions: dict[tuple[str, str], Conversion]) -> list[Move]:
    """The moves with each conversion's received legs right after its last paid leg (a Uniswap v3
    pool pays out before it is paid): what is converted is known before it arrives."""
    if not conversions:
        return moves
    later = {id(m): key for key, c in conversions.items() for m in c.got}
    paid_ids = {id(m): key for key, c in conversions.items() for m in c.paid}
    pending: dict[tuple[str, str], list[Move]] = defaultdict(list)
    seen_paid: dict[tuple[str, str], int] = defaultdict(int)
    need = {key: len(c.paid) for key, c in conversions.items()}
    out: list[Move] = []
    for m in moves:
        key = later.get(id(m))
        if key is not None and seen_paid[key] < need[key]:
            pending[key].append(m)
            continue
        out.append(m)
        key = paid_ids.get(id(m))
        if key is not None:
            seen_paid[key] += 1
            if seen_paid[key] == need[key]:
                out.extend(pending.pop(key, []))
    for rest in pending.values():  # paid legs never seen (cannot happen): keep the moves anyway
        out.extend(rest)
    return out


def convert(traced_in: Taint, amount_in: int, amount_out: int) -> Taint:
    """The victim money a conversion paid out, label by label: floor(out * traced / in)."""
    if not amount_in:
        return {}
    return {label: amount_out * value // amount_in for label, value in traced_in.items()
            if amount_out * value // amount_in}


def share_of_leg(converted: Taint, leg_amount: int, amount_out: int, last: bool) -> Taint:
    """What one received leg carries of a conversion's output (the last leg takes what rounding
    left, so the legs add up to the whole)."""
    if last or not amount_out:
        return dict(converted)
    return {label: leg_amount * value // amount_out for label, value in converted.items()}
