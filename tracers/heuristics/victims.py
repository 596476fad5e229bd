"""Victims: who paid the case's money into the cluster's collection addresses from outside it.

Pure: reads the loaded transfers. A payment is a case asset, above dust (a look-alike's tiny
"poisoning" transfer is no investment), and not a gas-sized ether transfer. A payment out of a
tagged service (a victim paying straight from an exchange withdrawal) is still victim money, but
the exchange is never the victim: its label names the payment and no victim address is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracers.trace.graph import Move
    from tracers.trace.params import TraceParams


def is_payment(move: Move, assets: set[str], params: TraceParams) -> bool:
    if move.asset not in assets or not move.sender or move.amount == 0:
        return False
    if move.kind == "native":
        return move.amount > params.gas_max_wei
    return move.amount >= params.dust["token"]


def payers_into(moves: Iterable[Move], collections: set[str], excluded: set[str], services: set[str],
                assets: set[str], params: TraceParams) -> set[str]:
    """The addresses that paid into collection addresses from outside the cluster: victims."""
    return {
        m.sender for m in moves
        if m.sender and m.receiver in collections and m.sender not in excluded and m.sender not in services
        and is_payment(m, assets, params)
    }


def victim_payments(moves: Iterable[Move], collections: set[str], excluded: set[str], services: set[str],
                    known: set[tuple], assets: set[str], params: TraceParams) -> list[tuple[Move, str | None]]:
    """Payments into collections not yet known as taint sources, each with its victim (None when
    the payer is a tagged service: an exchange withdrawal straight into the scam)."""
    found = []
    for move in moves:
        if move.receiver not in collections or move.key in known or move.sender in excluded:
            continue
        if is_payment(move, assets, params):
            found.append((move, None if move.sender in services else move.sender))
    return found
