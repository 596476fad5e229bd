"""What the hand-built scam records as it plays: payments, profits, victims, sweeps, clusters.

Refs are rows of the scam ledger, set when the move happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracers.simulate.chain import USDT_UNIT, Asset
from tracers.simulate.mules import Mule
from tracers.simulate.peel import PeelPlan

CENT = USDT_UNIT // 100


@dataclass
class Payment:
    """A victim's instalment to a collection address."""

    block: int
    asset: Asset
    amount: int
    collection: int
    ref: int | None = None


@dataclass
class Profit:
    """A fake profit paid back to a victim."""

    block: int
    amount: int
    source: int
    ref: int | None = None


@dataclass
class Victim:
    """A victim and what happened to them."""

    index: int
    cluster: int
    address: int
    reported: bool
    collections: list[int]
    payments: list[Payment] = field(default_factory=list)
    profits: list[Profit] = field(default_factory=list)


@dataclass
class Sweep:
    """A collection address emptying a payment into a consolidator."""

    block: int
    src: int
    dst: int
    amount: int
    ref: int | None = None


@dataclass
class Cluster:
    """One scam operation's addresses and flows."""

    index: int
    start: int
    exchange: int
    feeder: int
    payout: int
    consolidators: list[int]
    mules: list[Mule]
    collections: list[int] = field(default_factory=list)
    first_inflow: dict[int, int] = field(default_factory=dict)
    sweeps: list[Sweep] = field(default_factory=list)
    chains: list[PeelPlan] = field(default_factory=list)
    rental_funded: list[int] = field(default_factory=list)
    victim_count: int = 0
    ether_mules: list[Mule] = field(default_factory=list)  # fresh mules a chain peels ether into


def made(ref: int | None) -> int:
    """The ref of a move that has happened; refuses one that is still only planned."""
    if ref is None:
        raise ValueError("a planned move has no ref yet: read refs after the schedule has run")
    return ref


def cents(amount: int) -> int:
    """Base units rounded to whole cents (half up), at least one cent."""
    return max(1, (amount + CENT // 2) // CENT) * CENT
