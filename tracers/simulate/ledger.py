"""Exact bookkeeping for the hand-built scam: a block-ordered event queue and a ledger that
refuses to let an address spend money it did not hold before the current block."""

from __future__ import annotations

import heapq
from collections.abc import Callable

from tracers.simulate.chain import Asset, Leg, Method
from tracers.simulate.moves import Row

# one leg of a contract call: (asset, src, dst, value, leg)
CallLeg = tuple[Asset, int, int, int, Leg]


class OverspendError(RuntimeError):
    """The scam script tried to move money an address did not hold (a bug in the script)."""


class Schedule:
    """Actions run in block order; ties keep the order in which they were scheduled."""

    def __init__(self) -> None:
        self._queue: list[tuple[int, int, Callable[..., object], tuple[object, ...]]] = []
        self._counter = 0
        self.now = 0

    def at(self, block: int, action: Callable[..., object], *args: object) -> None:
        """Run `action(block, *args)` at `block` (never earlier than the block being run)."""
        heapq.heappush(self._queue, (max(block, self.now), self._counter, action, args))
        self._counter += 1

    def run(self) -> None:
        """Run every action, including those scheduled while running."""
        while self._queue:
            block, _, action, args = heapq.heappop(self._queue)
            self.now = block
            action(block, *args)


class Ledger:
    """Moves in the order they happen, with balances per (address, asset).

    `sources` (exchange hot wallets, the zero address, services funded later) may always send.
    Money received in a block becomes spendable from the next block on.
    """

    def __init__(self, sources: frozenset[int]) -> None:
        self.rows: list[Row] = []
        self._sources = sources
        self._balance: dict[tuple[int, int], int] = {}
        self._arrived: dict[tuple[int, int], tuple[int, int]] = {}
        self._calls = 0

    def balance(self, address: int, asset: Asset) -> int:
        """Everything the address holds now."""
        return self._balance.get((address, asset), 0)

    def spendable(self, address: int, asset: Asset, block: int) -> int:
        """What the address may send in `block`: its balance less what arrived in that block."""
        arrived_block, arrived = self._arrived.get((address, asset), (-1, 0))
        return self.balance(address, asset) - (arrived if arrived_block == block else 0)

    def move(
        self,
        block: int,
        asset: Asset,
        src: int,
        dst: int,
        value: int,
        *,
        sender: int | None = None,
        method: Method | None = None,
    ) -> int:
        """Record a move and return its ref (row number)."""
        if method is None:
            method = Method.NATIVE if asset == Asset.ETH else Method.TRANSFER
        return self._record(block, asset, src, dst, value, src if sender is None else sender, method, None, 0, None)

    def call(self, block: int, sender: int, contract: int, method: Method, legs: list[CallLeg]) -> list[int]:
        """Record one contract call `sender` makes to `contract`, moving `legs` in order (a DIRECT
        ether leg first, as the call's value); returns the legs' refs."""
        tx = self._calls
        self._calls += 1
        return [
            self._record(block, asset, src, dst, value, sender, method, tx, int(leg), contract)
            for asset, src, dst, value, leg in legs
        ]

    def _record(
        self, block: int, asset: Asset, src: int, dst: int, value: int, sender: int, method: Method,
        tx: int | None, leg: int, call_to: int | None,
    ) -> int:
        if value and src not in self._sources and self.spendable(src, asset, block) < value:
            raise OverspendError(f"address id {src} cannot send {value} of {asset.name} in block {block}")
        self._balance[(src, asset)] = self.balance(src, asset) - value
        self._balance[(dst, asset)] = self.balance(dst, asset) + value
        arrived_block, arrived = self._arrived.get((dst, asset), (-1, 0))
        self._arrived[(dst, asset)] = (block, arrived + value if arrived_block == block else value)
        self.rows.append((block, int(asset), src, dst, value, sender, int(method), tx, leg, call_to))
        return len(self.rows) - 1
